"""Card wording, loaded once from `cards/*.yaml` and compiled into Jinja2 templates.

A clinician edits the YAML; the service reads it once, at start (`get_content()`), and
refuses to start on a file that is malformed, names an unknown topic, problem,
suggestion or override reason, or whose template does not compile. Rendering a card
never reads a file. The format is described in `cards/README.md`.

    >>> content = load_content(get_settings().cards_dir)
    >>> content.card(Topic.HYPERCALCEMIA).topic.code
    'hypercalcemia'

Templates use `StrictUndefined`: a template naming a field the finding does not have
fails in the tests (every card type is rendered there), never silently prints nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cds_service.cards.schema import Coding, OverrideReason
from cds_service.facts.calcium import CalciumKind
from cds_service.facts.model import Agent, Analyte, ExclusionReason, Flag, ImagingKind, Intent
from cds_service.facts.ranges import default_range, default_range_source
from cds_service.facts.renal import RenalBasis
from cds_service.knowledge import rule_thresholds, thresholds
from cds_service.rules.findings import (
    DraftAction,
    Orderable,
    OrderTopic,
    SafetyProblem,
    Severity,
    SuggestionKey,
    Topic,
    TriggerKind,
)
from cds_service.settings import get_settings

COMMON_FILE = "_common.yaml"

# Coded values a template may need a word for: each must have a label in _common.yaml.
LABELLED: Mapping[str, Iterable[StrEnum | str]] = {
    "analyte": Analyte,
    "calcium_kind": CalciumKind,
    "flag": Flag,
    "agent": Agent,
    "intent": Intent,
    "severity": Severity,
    "trigger": TriggerKind,
    "imaging": ImagingKind,
    "exclusion": ExclusionReason,
    "renal_basis": get_args(RenalBasis),
}

# A topic of either service: patient-view (§3) or order-sign (§6).
AnyTopic = Topic | OrderTopic


class CardContentError(Exception):
    """A card content file is missing, malformed or inconsistent; the service cannot start."""


# --- the YAML, as validated models ----------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceText(_Strict):
    label: str = Field(min_length=1)
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("source.url must be an absolute https:// URL")
        return value


class LinkText(_Strict):
    label: str = Field(min_length=1)
    url: str

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("link url must be an absolute https:// URL")
        return value


class SuggestionText(_Strict):
    label: str = Field(min_length=1)


class VariantText(_Strict):
    """Summary and detail templates for one problem of a multi-problem card."""

    summary: str = Field(min_length=1)
    detail: str = Field(min_length=1)
    source: SourceText | None = None
    links: list[LinkText] = Field(default_factory=list)


class CardFile(_Strict):
    """One `cards/<topic>.yaml` file."""

    topic: Topic | OrderTopic
    display: str = Field(min_length=1, max_length=120)  # also the over-long-summary fallback
    source: SourceText
    summary: str | None = None
    detail: str | None = None
    variants: dict[SafetyProblem, VariantText] = Field(default_factory=dict)
    links: list[LinkText] = Field(default_factory=list)
    override_reasons: list[str] = Field(min_length=1)
    suggestions: dict[SuggestionKey, SuggestionText] = Field(default_factory=dict)


class CommonFile(_Strict):
    """`cards/_common.yaml`: code systems, override reasons, order descriptions."""

    topic_system: str
    override_reason_system: str
    override_reasons: dict[str, str]
    order_descriptions: dict[Orderable, str]
    # Description of each action on a draft order of the request (order-sign). Variables:
    # change (action, draft_id, dose_mg, product), draft (the MedicationFact), concept
    # (the new product's concept, or None).
    change_descriptions: dict[DraftAction, str] = Field(default_factory=dict)
    # Display words for coded values, e.g. labels.analyte["total-calcium"] = "Total calcium".
    labels: dict[str, dict[str, str]]
    # Jinja macros every card template may `{% import "macros" as m %}`.
    macros: str = ""


# --- compiled content -----------------------------------------------------------------


def _num(value: Decimal | float | int | None, places: int | None = None) -> str:
    """A number as a clinician writes it, never in exponent form.

    With `places`, rounded half up and stripped of trailing zeros (`{{ x|num(2) }}`:
    11.076 → "11.08", 12.40 → "12.4"); without, as recorded ("12.0" stays "12.0"),
    but at most two decimals (a converted 10.6212 → "10.62").
    """
    if value is None:
        return "—"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    exponent = number.as_tuple().exponent
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    elif isinstance(exponent, int) and exponent < -2:
        number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    text = format(number, "f")
    return "0" if text == "-0" else text


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value is not None else "no date"


_MARKDOWN_SPECIALS = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]<>()#+!|~"})


def _md(value: object) -> str:
    """Escape text that came from the record (displays) before it enters Markdown."""
    return str(value).translate(_MARKDOWN_SPECIALS)


@dataclass(frozen=True, slots=True)
class CompiledText:
    summary: jinja2.Template
    detail: jinja2.Template
    source: SourceText
    links: tuple[LinkText, ...]


@dataclass(frozen=True, slots=True)
class CardContent:
    """Everything one card type needs, compiled."""

    topic: Coding
    default: CompiledText | None
    variants: Mapping[SafetyProblem, CompiledText]
    override_reasons: tuple[OverrideReason, ...]
    suggestion_labels: Mapping[SuggestionKey, str]

    def text(self, problem: SafetyProblem | None) -> CompiledText:
        if problem is not None:
            return self.variants[problem]
        assert self.default is not None  # guaranteed by load_content
        return self.default


@dataclass(frozen=True, slots=True)
class Content:
    cards: Mapping[Topic, CardContent]
    order_descriptions: Mapping[Orderable, jinja2.Template]
    labels: Mapping[str, Mapping[str, str]]
    order_cards: Mapping[OrderTopic, CardContent] = field(default_factory=dict)
    change_descriptions: Mapping[DraftAction, jinja2.Template] = field(default_factory=dict)

    def card(self, topic: AnyTopic) -> CardContent:
        if isinstance(topic, OrderTopic):
            return self.order_cards[topic]
        return self.cards[topic]


def _environment(macros: str, labels: Mapping[str, Mapping[str, str]]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"macros": macros}),
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML; record text goes through `md`
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def label(value: object, group: str) -> str:
        """`{{ kind|label("trigger") }}`: the word for a coded value (usable with `map`)."""
        return labels[group][str(value)]

    filters: dict[str, Callable[..., str]] = {
        "num": _num,
        "day": _day,
        "md": _md,
        "label": label,
    }
    env.filters.update(filters)
    # Constant for the life of the service, and visible to imported macros too.
    env.globals.update(
        {
            "labels": labels,
            "th": thresholds,
            "rt": rule_thresholds,
            "default_range": default_range,
            "range_source": default_range_source,
        }
    )
    return env


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CardContentError(f"{path}: cannot read card content: {exc}") from exc


def _compile(env: jinja2.Environment, path: Path, name: str, source: str) -> jinja2.Template:
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise CardContentError(f"{path}: template {name!r}, line {exc.lineno}: {exc}") from exc


def _load_common(directory: Path) -> CommonFile:
    path = directory / COMMON_FILE
    if not path.is_file():
        raise CardContentError(f"{path}: missing (code systems and override reasons)")
    try:
        common = CommonFile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise CardContentError(f"{path}: {exc}") from exc
    missing = set(Orderable) - set(common.order_descriptions)
    if missing:
        raise CardContentError(f"{path}: no order_descriptions for {sorted(missing)}")
    absent_changes = set(DraftAction) - set(common.change_descriptions)
    if absent_changes:
        raise CardContentError(f"{path}: no change_descriptions for {sorted(absent_changes)}")
    for group, values in LABELLED.items():
        absent = {str(v) for v in values} - set(common.labels.get(group, {}))
        if absent:
            raise CardContentError(f"{path}: labels.{group} lacks {sorted(absent)}")
    return common


def _compile_card(
    env: jinja2.Environment, path: Path, card: CardFile, common: CommonFile
) -> CardContent:
    unknown = [code for code in card.override_reasons if code not in common.override_reasons]
    if unknown:
        raise CardContentError(f"{path}: override reasons {unknown} not in {COMMON_FILE}")
    default: CompiledText | None = None
    if card.summary is not None and card.detail is not None:
        default = CompiledText(
            summary=_compile(env, path, "summary", card.summary),
            detail=_compile(env, path, "detail", card.detail),
            source=card.source,
            links=tuple(card.links),
        )
    elif card.summary is not None or card.detail is not None:
        raise CardContentError(f"{path}: give both summary and detail, or neither")
    variants = {
        problem: CompiledText(
            summary=_compile(env, path, f"variants.{problem}.summary", text.summary),
            detail=_compile(env, path, f"variants.{problem}.detail", text.detail),
            source=text.source or card.source,
            links=tuple(text.links or card.links),
        )
        for problem, text in card.variants.items()
    }
    if card.topic is Topic.BMA_SAFETY:
        missing = set(SafetyProblem) - set(variants)
        if missing:
            raise CardContentError(f"{path}: no variant for problems {sorted(missing)}")
    elif default is None:
        raise CardContentError(f"{path}: summary and detail templates are required")
    return CardContent(
        topic=Coding(system=common.topic_system, code=card.topic.value, display=card.display),
        default=default,
        variants=variants,
        override_reasons=tuple(
            OverrideReason(
                system=common.override_reason_system,
                code=code,
                display=common.override_reasons[code],
            )
            for code in card.override_reasons
        ),
        suggestion_labels={key: text.label for key, text in card.suggestions.items()},
    )


def load_content(directory: Path) -> Content:
    """Read, validate and compile every card file in `directory`; raise on any fault."""
    if not directory.is_dir():
        raise CardContentError(f"{directory}: card content directory not found")
    common = _load_common(directory)
    env = _environment(common.macros, common.labels)
    _compile(env, directory / COMMON_FILE, "macros", common.macros)
    cards: dict[Topic, CardContent] = {}
    order_cards: dict[OrderTopic, CardContent] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == COMMON_FILE:
            continue
        try:
            card = CardFile.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise CardContentError(f"{path}: {exc}") from exc
        if path.stem != card.topic.value:
            raise CardContentError(f"{path}: file name must be {card.topic.value}.yaml")
        compiled = _compile_card(env, path, card, common)
        if isinstance(card.topic, OrderTopic):
            order_cards[card.topic] = compiled
        else:
            cards[card.topic] = compiled
    missing: set[AnyTopic] = {t for t in Topic if t not in cards}
    missing |= {t for t in OrderTopic if t not in order_cards}
    if missing:
        raise CardContentError(f"{directory}: no card file for {sorted(missing)}")
    return Content(
        cards=cards,
        order_descriptions={
            orderable: _compile(env, directory / COMMON_FILE, f"order {orderable}", text)
            for orderable, text in common.order_descriptions.items()
        },
        labels=common.labels,
        order_cards=order_cards,
        change_descriptions={
            action: _compile(env, directory / COMMON_FILE, f"change {action}", text)
            for action, text in common.change_descriptions.items()
        },
    )


@lru_cache(maxsize=1)
def get_content() -> Content:
    """The content of `get_settings().cards_dir`, loaded once. Tests call `cache_clear()`."""
    return load_content(get_settings().cards_dir)

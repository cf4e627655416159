"""Findings → CDS Hooks cards, with the wording of `cards/*.yaml`.

    >>> cards = render_cards(evaluate_patient_view(facts, now), patient_id="p1")  # doctest: +SKIP

The patient id is an argument (the hook context's `patientId`), not a fact: it is
only needed for the suggestions' draft resources. Templates see the finding (`finding`),
its evidence (`e`), and the globals set once by `content` (labels, thresholds, range
helpers; see cards/README.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from cds_service.cards.content import CardContent, Content, get_content
from cds_service.cards.orders import build_order, spec_of, updated_draft
from cds_service.cards.schema import SUMMARY_LIMIT, Action, Card, Link, Source, Suggestion
from cds_service.knowledge.rule_thresholds import ORDERS
from cds_service.rules.findings import DraftAction, DraftChange, Finding, SuggestionChoice

# Draft orders of an order-sign request, as sent, by MedicationRequest.id.
Drafts = Mapping[str, Mapping[str, Any]]

_BLANK_RUNS = re.compile(r"\n{3,}")

logger = logging.getLogger(__name__)


def _tidy(markdown: str) -> str:
    """Collapse the blank-line runs that optional template sections leave behind."""
    return _BLANK_RUNS.sub("\n\n", markdown).strip()


def _context(finding: Finding, content: Content) -> dict[str, Any]:
    return {
        "finding": finding,
        "e": finding.evidence,
    }


def _change(change: DraftChange, finding: Finding, content: Content, drafts: Drafts) -> Action:
    """An update (the whole draft, changed fields only) or a delete of a draft order."""
    draft = next(
        (d for d in getattr(finding.evidence, "drafts", ()) if d.resource_id == change.draft_id),
        None,
    )
    concept = ORDERS[change.product.value].concept if change.product is not None else None
    description = content.change_descriptions[change.action].render(
        change=change, draft=draft, concept=concept
    )
    if change.action is DraftAction.DELETE:
        return Action(
            type="delete",
            description=description,
            resourceId=f"MedicationRequest/{change.draft_id}",
        )
    resource = updated_draft(drafts[change.draft_id], change)
    return Action(type="update", description=description, resource=resource)


def _suggestion(
    choice: SuggestionChoice,
    card: CardContent,
    content: Content,
    patient_id: str,
    finding: Finding,
    drafts: Drafts,
) -> Suggestion:
    actions = [_change(change, finding, content, drafts) for change in choice.changes]
    for order in choice.orders:
        spec = spec_of(order)
        description = content.order_descriptions[order.orderable].render(
            order=order, concept=spec.concept
        )
        actions.append(
            Action(type="create", description=description, resource=build_order(order, patient_id))
        )
    return Suggestion(
        label=card.suggestion_labels[choice.key],
        isRecommended=True if choice.recommended else None,
        actions=actions,
    )


def _summary(rendered: str, card: CardContent, finding: Finding) -> str:
    """The rendered summary; if content edits ever push it past the spec's 140
    characters, the card's short display instead (never a cut sentence, never a failed
    chart open). The detail still carries every value."""
    if len(rendered) < SUMMARY_LIMIT:
        return rendered
    logger.error(
        "card summary over the limit; short display used",
        extra={"topic": finding.topic.value, "length": len(rendered)},
    )
    return f"{card.topic.display}: see details"


def render_card(
    finding: Finding,
    *,
    patient_id: str,
    content: Content | None = None,
    drafts: Drafts | None = None,
) -> Card:
    """One card for one finding. Raises if the content cannot render it (a defect).

    `drafts` are the request's draft orders by id (order-sign), for update actions.
    """
    content = content or get_content()
    card = content.card(finding.topic)
    text = card.text(finding.problem)
    context = _context(finding, content)
    suggestions = [
        _suggestion(c, card, content, patient_id, finding, drafts or {})
        for c in finding.suggestions
    ]
    return Card(
        summary=_summary(text.summary.render(context).strip(), card, finding),
        detail=_tidy(text.detail.render(context)),
        indicator=finding.indicator.value,
        source=Source(label=text.source.label, url=text.source.url, topic=card.topic),
        suggestions=suggestions or None,
        selectionBehavior=(
            finding.selection.value if suggestions and finding.selection is not None else None
        ),
        overrideReasons=list(card.override_reasons),
        links=[Link(label=link.label, url=link.url, type="absolute") for link in text.links]
        or None,
    )


def render_cards(
    findings: Sequence[Finding],
    *,
    patient_id: str,
    content: Content | None = None,
    drafts: Drafts | None = None,
) -> list[Card]:
    """Cards for `findings`, in their order."""
    content = content or get_content()
    return [render_card(f, patient_id=patient_id, content=content, drafts=drafts) for f in findings]

"""CDS Hooks 2.0 response objects: Card, Source, Suggestion, Action, Link.

Field names follow the specification exactly (camelCase). Optional fields are `None`
when absent and are dropped on output (`CdsResponse.to_json`): the spec forbids
`null` and empty values. A summary of 140 characters or more is refused, never cut.

    >>> Card(summary="Calcium 12.4 mg/dL", indicator="warning",
    ...      source=Source(label="Zometa PI")).suggestions is None
    True
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Indicator = Literal["info", "warning", "critical"]
INDICATOR_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
SUMMARY_LIMIT = 140  # card.summary: "<140 character summary" (CDS Hooks 2.0)


def new_uuid() -> str:
    return str(uuid_module.uuid4())


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _no_empty_values(self) -> _Model:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value == "" or value == [] or value == {}:
                raise ValueError(f"{name} must be omitted rather than empty")
        return self


class Coding(_Model):
    """CDS Hooks Coding: `code` and `system` REQUIRED, `display` conditional."""

    code: str
    system: str
    display: str | None = None


class OverrideReason(Coding):
    """A Coding whose display the spec requires (card.overrideReasons)."""

    display: str


class Source(_Model):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None

    @field_validator("url", "icon")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute URL")
        return value


class Action(_Model):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> Action:
        if self.type in ("create", "update") and self.resource is None:
            raise ValueError(f"a {self.type} action carries the whole resource")
        if self.type == "delete" and self.resourceId is None:
            raise ValueError("a delete action names its resourceId")
        return self


class Suggestion(_Model):
    label: str
    uuid: str = Field(default_factory=new_uuid)
    isRecommended: bool | None = None
    actions: list[Action] | None = None


class Link(_Model):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None
    autolaunchable: bool | None = None

    @model_validator(mode="after")
    def _app_context_only_for_smart(self) -> Link:
        if self.appContext is not None and self.type != "smart":
            raise ValueError("appContext is only valid for smart links")
        return self


class Card(_Model):
    uuid: str = Field(default_factory=new_uuid)
    summary: str = Field(max_length=SUMMARY_LIMIT - 1)
    detail: str | None = None
    indicator: Indicator
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[OverrideReason] | None = None
    links: list[Link] | None = None

    @model_validator(mode="after")
    def _selection_behavior_with_suggestions(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required when suggestions are present")
        return self

    @property
    def topic(self) -> str | None:
        return self.source.topic.code if self.source.topic else None


class CdsResponse(_Model):
    cards: list[Card]
    systemActions: list[Action] | None = None

    @model_validator(mode="after")
    def _no_empty_values(self) -> CdsResponse:
        # `cards: []` is how the spec says "no guidance"; only systemActions must not be empty.
        if self.systemActions == []:
            raise ValueError("systemActions must be omitted rather than empty")
        return self

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

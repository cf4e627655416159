"""CDS Hooks 2.0 feedback request (`POST {baseUrl}/cds-services/{id}/feedback`).

    >>> request = parse_feedback_request({"feedback": [{
    ...     "card": "9368d37b-283f-44a0-93ea-547cebab93ed", "outcome": "overridden",
    ...     "overrideReason": {"reason": {"code": "d7ecf885",
    ...                                   "system": "https://example.com/override"}},
    ...     "outcomeTimestamp": "2020-12-11T00:00:00Z"}]})
    >>> request.feedback[0].overrideReason.reason.code
    'd7ecf885'

Beyond field types, the spec's conditions are enforced: `acceptedSuggestions` is
required for (and only for) `accepted`; `overrideReason` only goes with
`overridden`; `outcomeTimestamp` is an RFC 3339 time with an offset. Unknown fields
(extensions) are ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from cds_service.errors import BadRequest

__all__ = [
    "AcceptedSuggestion",
    "Feedback",
    "FeedbackCoding",
    "FeedbackOverrideReason",
    "FeedbackRequest",
    "parse_feedback_request",
]

MAX_ITEMS = 1000


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=False)


class FeedbackCoding(_Model):
    code: str = Field(min_length=1, max_length=256)
    system: str | None = Field(default=None, min_length=1, max_length=512)
    display: str | None = Field(default=None, max_length=512)


class AcceptedSuggestion(_Model):
    id: str = Field(min_length=1, max_length=128)


class FeedbackOverrideReason(_Model):
    reason: FeedbackCoding | None = None
    userComment: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _not_empty(self) -> FeedbackOverrideReason:
        if self.reason is None and not self.userComment:
            raise ValueError("overrideReason needs a reason or a userComment; omit it otherwise")
        return self


class Feedback(_Model):
    card: str = Field(min_length=1, max_length=128)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = Field(default=None, max_length=100)
    overrideReason: FeedbackOverrideReason | None = None
    outcomeTimestamp: AwareDatetime

    @model_validator(mode="after")
    def _fits_outcome(self) -> Feedback:
        if self.outcome == "accepted":
            if not self.acceptedSuggestions:
                raise ValueError("acceptedSuggestions is required when outcome is 'accepted'")
            if self.overrideReason is not None:
                raise ValueError("overrideReason only goes with outcome 'overridden'")
        elif self.acceptedSuggestions is not None:
            raise ValueError("acceptedSuggestions only goes with outcome 'accepted'")
        return self

    @property
    def outcome_time_utc(self) -> datetime:
        return self.outcomeTimestamp.astimezone(UTC)


class FeedbackRequest(_Model):
    feedback: list[Feedback] = Field(min_length=1, max_length=MAX_ITEMS)


def parse_feedback_request(data: Any) -> FeedbackRequest:
    """A validated FeedbackRequest, or BadRequest naming every field that is wrong."""
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object")
    try:
        return FeedbackRequest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors()[:10]
        )
        raise BadRequest(f"Invalid feedback: {problems}", expression="feedback") from exc

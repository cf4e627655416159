"""CDS Hooks 2.0 request and discovery models, field by field.

    >>> req = HookRequest.model_validate({
    ...     "hook": "patient-view", "hookInstance": "d1577c69",
    ...     "context": {"patientId": "123", "userId": "Practitioner/1"}})
    >>> req.context.patientId
    '123'

Response models (Card and friends) live in `cds_service.cards.schema`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cds_service.errors import BadRequest

# A FHIR id as it may appear in a URL path segment. Lax on purpose (EHRs bend the FHIR
# id grammar), but never control characters (NUL, C1) or invisible format characters
# (zero-width, bidi overrides): they have no place in an id and only serve to spoof one.
_INVISIBLE = r"\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_ID_PATTERN = rf"^[^\s/?#{_INVISIBLE}]{{1,64}}$"
_UNPRINTABLE = re.compile(rf"[\s{_INVISIBLE}]")


class FhirAuthorization(BaseModel):
    """OAuth 2.0 bearer token the EHR grants the service for FHIR access."""

    model_config = ConfigDict(extra="allow")

    access_token: str = Field(min_length=1, repr=False)
    token_type: str
    expires_in: int = Field(ge=0)
    scope: str
    subject: str
    patient: str | None = None

    @field_validator("token_type")
    @classmethod
    def _bearer(cls, value: str) -> str:
        if value.lower() != "bearer":
            raise ValueError("token_type must be Bearer")
        return value

    def __repr__(self) -> str:  # never show the token
        return f"FhirAuthorization(subject={self.subject!r}, scope={self.scope!r})"


class HookContext(BaseModel):
    """Context fields common to the hooks this service answers.

    `patientId` is required (patient-view, order-sign). `userId` is REQUIRED by the hook
    definitions but accepted when absent: refusing decision support for want of it would
    help no one. Other fields (e.g. `draftOrders`) are kept as sent.
    """

    model_config = ConfigDict(extra="allow")

    patientId: str = Field(pattern=_ID_PATTERN)
    userId: str | None = Field(default=None, pattern=r"^[A-Za-z]+/[^\s/]+$")
    encounterId: str | None = Field(default=None, pattern=_ID_PATTERN)


class HookRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    hook: str = Field(min_length=1, max_length=128)
    hookInstance: str = Field(min_length=1, max_length=128)
    fhirServer: str | None = Field(default=None, max_length=2048)
    fhirAuthorization: FhirAuthorization | None = None
    context: HookContext
    prefetch: dict[str, Any] | None = Field(
        default=None,
        # What `prefetch.check_prefetch_shape` enforces, for the OpenAPI document.
        json_schema_extra={
            "additionalProperties": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["resourceType"],
                        "properties": {"resourceType": {"type": "string"}},
                    },
                    {"type": "null"},
                ]
            }
        },
    )

    @field_validator("fhirServer")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("https://", "http://")):
            raise ValueError("fhirServer must be an absolute http(s) URL")
        # Refused here rather than failing every fetch later: no host, a port out of
        # range, a malformed IPv6 literal, whitespace or control characters.
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError when out of range
        except ValueError:
            raise ValueError("fhirServer is not a valid URL") from None
        if not parts.hostname or len(parts.hostname) > 253 or _UNPRINTABLE.search(value):
            raise ValueError("fhirServer is not a valid URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _server_with_token(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self


class ServiceDescriptor(BaseModel):
    """One entry of the discovery response."""

    model_config = ConfigDict(frozen=True)

    hook: str
    title: str
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class DiscoveryResponse(BaseModel):
    services: list[ServiceDescriptor]


def parse_hook_request(data: Any) -> HookRequest:
    """A validated HookRequest, or BadRequest naming every field that is wrong."""
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object")
    try:
        return HookRequest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors(include_input=False)[:10]
        )
        raise BadRequest(f"Invalid CDS Hooks request: {problems}") from exc

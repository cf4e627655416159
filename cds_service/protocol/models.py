"""CDS Hooks 2.0 request and discovery models, field by field.

    >>> req = HookRequest.model_validate({
    ...     "hook": "patient-view", "hookInstance": "d1577c69",
    ...     "context": {"patientId": "123", "userId": "Practitioner/1"}})
    >>> req.context.patientId
    '123'

Response models (Card and friends) live in `cds_service.cards.schema`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cds_service.errors import BadRequest

_ID_PATTERN = r"^[^\s/?#]{1,64}$"  # a FHIR id as it may appear in a URL path segment


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
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: HookContext
    prefetch: dict[str, Any] | None = None

    @field_validator("fhirServer")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("fhirServer must be an absolute http(s) URL")
        return value.rstrip("/") if value else value

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

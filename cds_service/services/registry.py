"""The CDS Services this deployment offers, by id."""

from __future__ import annotations

from collections.abc import Iterator

from cds_service.errors import UnknownService
from cds_service.services.base import CdsService


class ServiceRegistry:
    def __init__(self, services: list[CdsService]) -> None:
        self._by_id = {service.descriptor.id: service for service in services}

    def get(self, service_id: str) -> CdsService:
        try:
            return self._by_id[service_id]
        except KeyError:
            raise UnknownService(f"No CDS Service with id '{service_id[:64]}'") from None

    def __iter__(self) -> Iterator[CdsService]:
        return iter(self._by_id.values())

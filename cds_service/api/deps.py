"""Named dependencies, so a route's signature reads like a sentence."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cds_service.clock import Clock
from cds_service.protocol.fhir_client import FhirClient
from cds_service.services.registry import ServiceRegistry
from cds_service.settings import Settings
from cds_service.store.store import Store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _registry(request: Request) -> ServiceRegistry:
    registry: ServiceRegistry = request.app.state.registry
    return registry


def _fhir_client(request: Request) -> FhirClient:
    client: FhirClient = request.app.state.fhir_client
    return client


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
RegistryDep = Annotated[ServiceRegistry, Depends(_registry)]
FhirClientDep = Annotated[FhirClient, Depends(_fhir_client)]
StoreDep = Annotated[Store, Depends(_store)]

"""The services a deployment offers by default."""

from __future__ import annotations

from cds_service.services.advisor import BoneMetastasisAdvisor
from cds_service.services.base import CdsService
from cds_service.settings import Settings


def default_services(settings: Settings) -> list[CdsService]:
    return [BoneMetastasisAdvisor()]

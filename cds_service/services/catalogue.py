"""The services a deployment offers by default, with their card content loaded once."""

from __future__ import annotations

from cds_service.cards.content import load_content
from cds_service.services.advisor import BoneMetastasisAdvisor
from cds_service.services.base import CdsService
from cds_service.services.order_check import BoneModifyingAgentOrderCheck
from cds_service.settings import Settings


def default_services(settings: Settings) -> list[CdsService]:
    content = load_content(settings.cards_dir)
    return [BoneMetastasisAdvisor(content), BoneModifyingAgentOrderCheck(content)]

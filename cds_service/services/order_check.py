"""The `bone-modifying-agent-order-check` service (order-sign hook, clinical-knowledge §6).

    context.draftOrders ─► shape check (400 naming `context.draftOrders`)
                        ─► draft facts (R4B-validated; invalid drafts skipped, reported)
    prefetch            ─► patient facts
                        ─► rules.order_check ─► cards (update / delete actions on drafts)

A request whose drafts name no bone-modifying agent gets no cards, and is answered
without asking for the patient's data: a 412 for an order this service does not
check would only get in the prescriber's way. Once a BMA is ordered, every prefetch
key is needed (a card must not rest on data that could not be had).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from cds_service.cards.content import Content
from cds_service.cards.render import render_cards
from cds_service.cards.schema import Card
from cds_service.errors import BadRequest
from cds_service.facts.builder import build_patient_facts
from cds_service.facts.draft_orders import draft_order_facts
from cds_service.protocol.models import ServiceDescriptor
from cds_service.rules.order_check import evaluate_order_sign
from cds_service.rules.order_check.drafts import bma_drafts
from cds_service.services.base import HookCall, require_prefetch
from cds_service.services.prefetch_templates import ORDER_SIGN_PREFETCH

logger = logging.getLogger(__name__)

SERVICE_ID = "bone-modifying-agent-order-check"
DRAFT_ORDERS = "context.draftOrders"


def _malformed(problem: str) -> BadRequest:
    return BadRequest(f"{DRAFT_ORDERS} {problem}", expression=DRAFT_ORDERS)


def draft_orders_bundle(call: HookCall) -> Mapping[str, Any]:
    """`context.draftOrders`, checked to be a Bundle whose entries each carry a resource.

    The order-sign hook requires it: "a Bundle of FHIR request resources with a draft
    status". Anything else breaks the contract (400); a resource inside that is not
    valid FHIR is the facts layer's to skip and report.
    """
    bundle = (call.request.context.model_extra or {}).get("draftOrders")
    if bundle is None:
        raise _malformed("is required by the order-sign hook")
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise _malformed("must be a FHIR Bundle")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise _malformed("entry must be an array")
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _malformed(f"entry[{index}] must carry a resource with a resourceType")
    return bundle


class BoneModifyingAgentOrderCheck:
    descriptor = ServiceDescriptor(
        hook="order-sign",
        id=SERVICE_ID,
        title="Bone-modifying agent order check",
        description=(
            "When denosumab, zoledronic acid, pamidronate or an oral bisphosphonate is "
            "about to be signed: checks calcium, renal dosing of zoledronic acid, dental "
            "care, calcium and vitamin D, the dose for bone metastasis, and a second "
            "bone-modifying agent. Applies to every patient."
        ),
        prefetch=ORDER_SIGN_PREFETCH,
        usageRequirements=(
            "Needs context.draftOrders, and the patient's laboratory results, weight, "
            "Conditions, medications, dental procedures, referrals and encounters, by "
            "prefetch or by FHIR access (fhirServer)."
        ),
    )

    def __init__(self, content: Content) -> None:
        self._content = content

    def evaluate(self, call: HookCall) -> list[Card]:
        drafts = draft_order_facts(draft_orders_bundle(call), call.prefetch.data)
        if drafts.excluded:
            reasons = Counter(item.reason.value for item in drafts.excluded)
            logger.info("draft orders not checked", extra={"excluded": dict(reasons)})
        if not bma_drafts(drafts):
            return []
        require_prefetch(call)
        facts = build_patient_facts(call.prefetch.data, call.now, rule_windows=True)
        findings = evaluate_order_sign(facts, drafts, call.now)
        return render_cards(
            findings,
            patient_id=call.request.context.patientId,
            content=self._content,
            drafts=drafts.by_id,
        )

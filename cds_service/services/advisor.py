"""The `bone-metastasis-advisor` service (patient-view hook): prefetch → facts → rules → cards."""

from __future__ import annotations

import logging
from collections import Counter

from cds_service.cards.content import Content
from cds_service.cards.render import render_cards
from cds_service.cards.schema import Card
from cds_service.facts.builder import build_patient_facts
from cds_service.protocol.models import ServiceDescriptor
from cds_service.rules import evaluate_patient_view
from cds_service.rules.scope import is_in_scope
from cds_service.services.base import HookCall, require_prefetch
from cds_service.services.prefetch_templates import PATIENT_VIEW_PREFETCH

logger = logging.getLogger(__name__)

SERVICE_ID = "bone-metastasis-advisor"

# Without these, not even the scope (§1: a breast cancer patient, alive) can be decided.
SCOPE_KEYS = frozenset({"patient", "conditions"})


class BoneMetastasisAdvisor:
    descriptor = ServiceDescriptor(
        hook="patient-view",
        id=SERVICE_ID,
        title="Bone metastasis advisor (breast cancer)",
        description=(
            "For patients with breast cancer, including a history of it: flags "
            "hypercalcemia, suspected bone metastasis needing imaging, suspected spinal "
            "cord compression, a missing bone-modifying agent for known bone metastasis, "
            "and safety problems on denosumab or zoledronic acid."
        ),
        prefetch=PATIENT_VIEW_PREFETCH,
        usageRequirements=(
            "Needs the patient's Conditions, laboratory results, weight, bone-modifying "
            "agents and bone imaging, by prefetch or by FHIR access (fhirServer)."
        ),
    )

    def __init__(self, content: Content) -> None:
        self._content = content

    def evaluate(self, call: HookCall) -> list[Card]:
        require_prefetch(call, SCOPE_KEYS)
        facts = build_patient_facts(call.prefetch.data, call.now, rule_windows=True)
        if facts.excluded:
            reasons = Counter(item.reason.value for item in facts.excluded)
            logger.info("data excluded from evaluation", extra={"excluded": dict(reasons)})
        if not is_in_scope(facts):
            return []
        # In scope, every key is needed: a card must not rest on data we could not get.
        require_prefetch(call)
        findings = evaluate_patient_view(facts, call.now)
        return render_cards(
            findings, patient_id=call.request.context.patientId, content=self._content
        )

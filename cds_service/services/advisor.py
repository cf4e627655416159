"""The `bone-metastasis-advisor` service (patient-view hook): discovery and evaluation."""

from __future__ import annotations

from cds_service.cards.schema import Card
from cds_service.protocol.models import ServiceDescriptor
from cds_service.services.base import HookCall, require_prefetch
from cds_service.services.prefetch_templates import PATIENT_VIEW_PREFETCH

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

    def evaluate(self, call: HookCall) -> list[Card]:
        require_prefetch(call, SCOPE_KEYS)
        # Out-of-scope patients need nothing else; in scope, every key is needed.
        require_prefetch(call)
        return []

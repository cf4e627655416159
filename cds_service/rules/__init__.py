"""Rules: pure functions of (PatientFacts, now) → Findings; one module per recommendation.

from cds_service.rules import evaluate_patient_view
"""

from cds_service.rules.findings import Finding
from cds_service.rules.patient_view import evaluate_patient_view

__all__ = ["Finding", "evaluate_patient_view"]

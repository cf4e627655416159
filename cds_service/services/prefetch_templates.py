"""Prefetch templates: what each service asks the EHR to send (or lets us fetch).

Templates stay inside the CDS Hooks 2.0 query restrictions: instance reads, type
searches by patient reference, token equality on `code` (comma-separated = OR),
`_sort` for most-recent-first and `_count`.
"""

from __future__ import annotations

PATIENT_VIEW_PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
}

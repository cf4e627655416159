"""Canonical units per analyte and exact conversions into them (clinical-knowledge §2).

Filled in by step 2; `CANONICAL_UNIT` is keyed by the analyte's string value (the
`facts.model.Analyte` values), since knowledge imports nothing from the service.
"""

from __future__ import annotations

from collections.abc import Mapping

CANONICAL_UNIT: Mapping[str, str] = {
    "total-calcium": "mg/dL",
    "corrected-calcium": "mg/dL",
    "ionized-calcium": "mmol/L",
    "alkaline-phosphatase": "U/L",
    "bone-specific-alkaline-phosphatase": "U/L",
    "albumin": "g/dL",
    "creatinine": "mg/dL",
    "egfr": "mL/min/{1.73_m2}",
    "body-weight": "kg",
    "25-oh-vitamin-d": "ng/mL",
    "pth": "pg/mL",
    "pthrp": "pmol/L",
}

"""Numbers the patient-view rules need that `thresholds.py` does not (yet) hold.

Kept apart so the two modules can be written in parallel; each constant names its
source and unit, as in `thresholds.py`. Candidates to move there.
"""

from __future__ import annotations

from decimal import Decimal

# §3.5; Prolia (denosumab 60 mg) boxed warning, FDA 2024: severe hypocalcemia in
# advanced chronic kidney disease — CrCl (when computable, else eGFR) < 30 mL/min.
PROLIA_ADVANCED_CKD_BELOW_CRCL = Decimal("30")  # mL/min (or mL/min/1.73 m² for eGFR)

# §3.4 suggestions: the oncology regimens' intervals (Xgeva PI: 120 mg SC every 4 weeks;
# Zometa PI and ASCO–CCO 2017: 4 mg IV every 12 weeks, the de-escalated interval).
DENOSUMAB_ONCOLOGY_INTERVAL_WEEKS = 4
ZOLEDRONIC_ACID_SUGGESTED_INTERVAL_WEEKS = 12

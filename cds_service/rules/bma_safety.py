"""Safety of a bone-modifying agent the patient is on (card topic `bma-safety`).

Source: clinical-knowledge §3.5, after the Xgeva and Prolia (denosumab) and Zometa and
Reclast (zoledronic acid) US prescribing information, and the Prolia boxed warning
(FDA 2024: "severe hypocalcemia in patients with advanced kidney disease").

    When  the patient is in scope (§1; known bone metastasis not required) and on a
          BMA as in §3.4 at any dose (osteoporosis doses included, since Prolia and
          Reclast carry the same warnings), one card per problem found:
            - denosumab and low calcium (§2): `warning`; `critical` at CTCAE grade
              ≥ 3 (corrected / total < 7.0 mg/dL, ionized < 0.9 mmol/L);
            - zoledronic acid and CrCl < 30 mL/min (< 35 for the 5 mg product), or
              the eGFR standing in for it below the same limit: `warning`;
            - zoledronic acid and the current creatinine risen ≥ 0.5 mg/dL from a
              normal baseline (< 1.4 mg/dL) or ≥ 1.0 mg/dL from an abnormal one:
              `warning` — withhold until within 10 % of baseline (baseline as in
              `facts.medications.creatinine_baseline`);
            - denosumab 120 mg and no calcium result in the last 30 days: `info`;
            - denosumab 60 mg with CrCl (else eGFR) < 30 and no calcium result in
              the last 30 days: `warning`.
    Then  one `bma-safety` Finding per problem, naming it in `Finding.problem`.

An agent of unknown intent gets every check except the two that name a dose.
Zoledronic acid of unknown intent is judged by the 30 mL/min limit of the 4 mg
product: only a product known to be the 5 mg one (Reclast) uses 35.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cds_service.facts.calcium import (
    CalciumKind,
    CalciumValue,
    current_calcium,
    is_below_lower_limit,
)
from cds_service.facts.labs import current_result, proves_less, results_within
from cds_service.facts.medications import bma_exposures, creatinine_baseline
from cds_service.facts.model import (
    Agent,
    Analyte,
    Intent,
    MedicationFact,
    PatientFacts,
)
from cds_service.facts.renal import RenalFunction, renal_function
from cds_service.knowledge import rule_thresholds as rt
from cds_service.knowledge import thresholds as th
from cds_service.rules.findings import (
    BmaSafetyEvidence,
    Finding,
    Indicator,
    SafetyProblem,
    Topic,
)
from cds_service.rules.scope import excluded_data, is_in_scope

CALCIUM_ANALYTES = (Analyte.TOTAL_CALCIUM, Analyte.CORRECTED_CALCIUM, Analyte.IONIZED_CALCIUM)


def exposures_to(
    facts: PatientFacts, now: datetime, agent: Agent, *intents: Intent
) -> tuple[MedicationFact, ...]:
    """The records that put the patient on `agent` (any intent unless some are named)."""
    return tuple(
        m
        for m in bma_exposures(facts, now)
        if m.agent is agent and (not intents or m.intent in intents)
    )


def has_recent_calcium_result(facts: PatientFacts, now: datetime) -> bool:
    """Any total, corrected or ionized calcium with a value (a comparator counts), 30 days."""
    return any(
        r.value is not None
        for analyte in CALCIUM_ANALYTES
        for r in results_within(facts, analyte, now, th.CALCIUM_MONITORING_LOOKBACK_DAYS)
    )


def hypocalcemia_grade(calcium: CalciumValue) -> int:
    """CTCAE v5.0 hypocalcemia grade the value proves (§2 comparators): "<7.0" proves
    < 7.0 mg/dL, grade 3, where a plain 7.0 is grade 2; "<=7.0" proves only grade 2."""
    cutoffs = (
        th.CTCAE_HYPOCALCEMIA_IONIZED_MMOL_L
        if calcium.kind is CalciumKind.IONIZED
        else th.CTCAE_HYPOCALCEMIA_MG_DL
    )
    grade = 1
    for next_grade, bound in enumerate(cutoffs, start=2):
        if proves_less(calcium.value, calcium.comparator, bound):
            grade = next_grade
    return grade


def is_reclast(medication: MedicationFact) -> bool:
    """The 5 mg zoledronic acid product (osteoporosis intent, or a 5 mg dose)."""
    return medication.intent is Intent.OSTEOPOROSIS or (
        medication.dose_mg is not None and medication.dose_mg == th.ZOLEDRONIC_OSTEOPOROSIS_MG
    )


def renal_limit(zoledronic: tuple[MedicationFact, ...]) -> Decimal:
    """35 mL/min when any record is the 5 mg product (Reclast PI), else 30 (Zometa PI)."""
    if any(is_reclast(m) for m in zoledronic):
        return th.RECLAST_CONTRAINDICATED_BELOW_CRCL
    return th.ZOLEDRONIC_NOT_RECOMMENDED_BELOW_CRCL


def creatinine_rise_limit(baseline: Decimal) -> Decimal:
    if baseline < th.CREATININE_NORMAL_BASELINE_BELOW_MG_DL:
        return th.CREATININE_RISE_FROM_NORMAL_MG_DL
    return th.CREATININE_RISE_FROM_ABNORMAL_MG_DL


# --- one check per problem ------------------------------------------------------------


def denosumab_low_calcium(
    facts: PatientFacts, now: datetime, calcium: CalciumValue | None
) -> Finding | None:
    denosumab = exposures_to(facts, now, Agent.DENOSUMAB)
    if not denosumab or calcium is None or not is_below_lower_limit(calcium):
        return None
    grade = hypocalcemia_grade(calcium)
    critical = grade >= th.HYPOCALCEMIA_CRITICAL_CTCAE_GRADE
    return Finding(
        topic=Topic.BMA_SAFETY,
        problem=SafetyProblem.DENOSUMAB_LOW_CALCIUM,
        indicator=Indicator.CRITICAL if critical else Indicator.WARNING,
        evidence=BmaSafetyEvidence(medications=denosumab, calcium=calcium, ctcae_grade=grade),
        excluded=excluded_data(facts, "Observation"),
    )


def zoledronic_acid_low_crcl(
    facts: PatientFacts, now: datetime, renal: RenalFunction
) -> Finding | None:
    zoledronic = exposures_to(facts, now, Agent.ZOLEDRONIC_ACID)
    if not zoledronic:
        return None
    limit = renal_limit(zoledronic)
    if renal.is_below(limit) is not True:
        return None
    return Finding(
        topic=Topic.BMA_SAFETY,
        problem=SafetyProblem.ZOLEDRONIC_ACID_LOW_CRCL,
        indicator=Indicator.WARNING,
        evidence=BmaSafetyEvidence(medications=zoledronic, renal=renal, renal_limit=limit),
        excluded=excluded_data(facts, "Observation"),
    )


def zoledronic_acid_creatinine_rise(facts: PatientFacts, now: datetime) -> Finding | None:
    zoledronic = exposures_to(facts, now, Agent.ZOLEDRONIC_ACID)
    if not zoledronic:
        return None
    current = current_result(facts, Analyte.CREATININE, now)
    baseline = creatinine_baseline(facts, now)
    if current is None or current.value is None or baseline is None or baseline.value is None:
        return None
    rise = current.value - baseline.value
    limit = creatinine_rise_limit(baseline.value)
    if rise < limit:
        return None
    return Finding(
        topic=Topic.BMA_SAFETY,
        problem=SafetyProblem.ZOLEDRONIC_ACID_CREATININE_RISE,
        indicator=Indicator.WARNING,
        evidence=BmaSafetyEvidence(
            medications=zoledronic,
            creatinine_current=current,
            creatinine_baseline=baseline,
            creatinine_rise=rise,
            creatinine_rise_limit=limit,
        ),
        excluded=excluded_data(facts, "Observation"),
    )


def denosumab_calcium_unmonitored(facts: PatientFacts, now: datetime) -> Finding | None:
    oncology = exposures_to(facts, now, Agent.DENOSUMAB, Intent.ONCOLOGY)
    if not oncology or has_recent_calcium_result(facts, now):
        return None
    return Finding(
        topic=Topic.BMA_SAFETY,
        problem=SafetyProblem.DENOSUMAB_CALCIUM_UNMONITORED,
        indicator=Indicator.INFO,
        evidence=BmaSafetyEvidence(
            medications=oncology, calcium_lookback_days=th.CALCIUM_MONITORING_LOOKBACK_DAYS
        ),
        excluded=excluded_data(facts, "Observation"),
    )


def denosumab_60_ckd_calcium_unmonitored(
    facts: PatientFacts, now: datetime, renal: RenalFunction
) -> Finding | None:
    osteoporosis = exposures_to(facts, now, Agent.DENOSUMAB, Intent.OSTEOPOROSIS)
    if not osteoporosis or has_recent_calcium_result(facts, now):
        return None
    if renal.is_below(rt.PROLIA_ADVANCED_CKD_BELOW_CRCL) is not True:
        return None
    return Finding(
        topic=Topic.BMA_SAFETY,
        problem=SafetyProblem.DENOSUMAB_60_CKD_CALCIUM_UNMONITORED,
        indicator=Indicator.WARNING,
        evidence=BmaSafetyEvidence(
            medications=osteoporosis,
            renal=renal,
            renal_limit=rt.PROLIA_ADVANCED_CKD_BELOW_CRCL,
            calcium_lookback_days=th.CALCIUM_MONITORING_LOOKBACK_DAYS,
        ),
        excluded=excluded_data(facts, "Observation"),
    )


def evaluate(facts: PatientFacts, now: datetime) -> list[Finding]:
    if not is_in_scope(facts) or not bma_exposures(facts, now):
        return []
    calcium = current_calcium(facts, now)
    renal = renal_function(facts, now)
    checks = (
        denosumab_low_calcium(facts, now, calcium),
        zoledronic_acid_low_crcl(facts, now, renal),
        zoledronic_acid_creatinine_rise(facts, now),
        denosumab_calcium_unmonitored(facts, now),
        denosumab_60_ckd_calcium_unmonitored(facts, now, renal),
    )
    return [finding for finding in checks if finding is not None]

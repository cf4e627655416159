"""Findings: what a rule concluded, with the evidence its card must show.

A `Finding` is the contract between the rules and the cards. It names the card
(`topic`, and for `bma-safety` the `problem`), its urgency (`indicator`), the evidence
the card lists (values with their units, dates, reference ranges and where they came
from, the correction applied, CrCl and its inputs, the triggers, data that could not
be used) and the suggestions the clinician may accept, as keys the renderer turns into
FHIR resources. It carries no prose: wording lives in `cards/*.yaml`.

    >>> Finding(topic=Topic.SPINAL_CORD_COMPRESSION, indicator=Indicator.CRITICAL,
    ...         evidence=CordCompressionEvidence(compression=(), back_pain=(),
    ...                                          red_flags=())).problem is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from cds_service.facts.calcium import CalciumValue
from cds_service.facts.model import (
    ConditionFact,
    DentalCareFact,
    ExcludedData,
    ImagingFact,
    LabResult,
    MedicationFact,
)
from cds_service.facts.renal import RenalFunction


class Topic(StrEnum):
    """`card.source.topic.code`: the card's stable identity (clinical-knowledge §3)."""

    HYPERCALCEMIA = "hypercalcemia"
    BONE_METASTASIS_WORKUP = "bone-metastasis-workup"
    SPINAL_CORD_COMPRESSION = "spinal-cord-compression"
    BONE_MODIFYING_AGENT = "bone-modifying-agent"
    BMA_SAFETY = "bma-safety"


class OrderTopic(StrEnum):
    """`card.source.topic.code` of the order-sign service (clinical-knowledge §6).

    Kept apart from `Topic` (the patient-view cards of §3): each service's card set is
    complete on its own, and the content loader requires a card file for every member.
    """

    HYPOCALCEMIA = "bma-order-hypocalcemia"
    CALCIUM_UNKNOWN = "bma-order-calcium-unknown"
    RENAL_DOSE = "bma-order-renal-dose"
    RENAL_UNKNOWN = "bma-order-renal-unknown"
    DENTAL = "bma-order-dental"
    SUPPLEMENTS = "bma-order-supplements"
    DOSE_INTENT = "bma-order-dose-intent"
    DUPLICATE = "bma-order-duplicate"


class RenalDoseProblem(StrEnum):
    """Which row of §6 `bma-order-renal-dose` a draft order meets."""

    DOSE_MISMATCH = "dose-mismatch"  # 4 mg product, dose > 0.05 mg off its CrCl band
    NOT_RECOMMENDED = "not-recommended"  # 4 mg product, CrCl (or eGFR) < 30
    HCM_CREATININE = "hcm-creatinine"  # for hypercalcemia of malignancy, creatinine ≥ 4.5
    RECLAST_CRCL = "reclast-crcl"  # 5 mg product, CrCl (or eGFR) < 35


class DraftAction(StrEnum):
    """What a suggestion does to a draft order of the request (CDS Hooks action type)."""

    UPDATE = "update"
    DELETE = "delete"


class Indicator(StrEnum):
    """CDS Hooks `card.indicator`, in increasing urgency."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Severity(StrEnum):
    """Clinical severity of hypercalcemia (BMJ Best Practice; §2)."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    # An ionized calcium has a severe cut (> 1.8 mmol/L) but no mild/moderate one in §2.
    NOT_SEVERE = "not-severe"


class TriggerKind(StrEnum):
    """The kinds of trigger of §3.2 (two records of one kind are one kind)."""

    ALP = "alp"
    HYPERCALCEMIA = "hypercalcemia"
    BONE_PAIN = "bone-pain"
    PATHOLOGICAL_FRACTURE = "pathological-fracture"


class SafetyProblem(StrEnum):
    """The problems of §3.5; each gets its own `bma-safety` card."""

    DENOSUMAB_LOW_CALCIUM = "denosumab-low-calcium"
    ZOLEDRONIC_ACID_LOW_CRCL = "zoledronic-acid-low-crcl"
    ZOLEDRONIC_ACID_CREATININE_RISE = "zoledronic-acid-creatinine-rise"
    DENOSUMAB_CALCIUM_UNMONITORED = "denosumab-calcium-unmonitored"
    DENOSUMAB_60_CKD_CALCIUM_UNMONITORED = "denosumab-60-ckd-calcium-unmonitored"


class SelectionBehavior(StrEnum):
    AT_MOST_ONE = "at-most-one"
    ANY = "any"


class Orderable(StrEnum):
    """A draft order a suggestion may create; codes come from `knowledge`."""

    PTH = "pth"
    PTHRP = "pthrp"
    VITAMIN_D = "25-oh-vitamin-d"
    BONE_SCAN = "bone-scan"
    FDG_PET_CT = "fdg-pet-ct"
    WHOLE_SPINE_MRI = "whole-spine-mri"
    DENOSUMAB_ONCOLOGY = "denosumab-oncology"
    ZOLEDRONIC_ACID_ONCOLOGY = "zoledronic-acid-oncology"
    DENTAL_REFERRAL = "dental-referral"
    SERUM_CALCIUM = "serum-calcium"
    ALBUMIN = "albumin"
    CREATININE = "creatinine"
    CALCIUM_SUPPLEMENT = "calcium-supplement"
    VITAMIN_D_SUPPLEMENT = "vitamin-d-supplement"


class SuggestionKey(StrEnum):
    """Identifies a suggestion's label and wording in the card content."""

    HYPERCALCEMIA_WORKUP = "hypercalcemia-workup"
    BONE_SCAN = "bone-scan"
    FDG_PET_CT = "fdg-pet-ct"
    WHOLE_SPINE_MRI = "whole-spine-mri"
    DENOSUMAB = "denosumab"
    ZOLEDRONIC_ACID = "zoledronic-acid"
    DENTAL_REFERRAL = "dental-referral"
    CALCIUM_AND_ALBUMIN = "calcium-and-albumin"
    CREATININE = "creatinine"
    SUPPLEMENTS = "supplements"
    RENAL_DOSE = "renal-dose"
    ONCOLOGY_REGIMEN = "oncology-regimen"
    REMOVE_DUPLICATE = "remove-duplicate"


@dataclass(frozen=True, slots=True)
class Order:
    """One draft order; `dose_mg` only for a medication whose dose the rule chose."""

    orderable: Orderable
    dose_mg: Decimal | None = None
    stat: bool = False


@dataclass(frozen=True, slots=True)
class DraftChange:
    """An action on one draft order of the hook request (order-sign, §6).

    `update` carries the draft with only these fields changed: the dose (mg) and, for
    dose-intent, the product (`product`, an orderable medication); `delete` names it.
    """

    action: DraftAction
    draft_id: str  # MedicationRequest.id of a draft in context.draftOrders
    dose_mg: Decimal | None = None
    product: Orderable | None = None


@dataclass(frozen=True, slots=True)
class SuggestionChoice:
    key: SuggestionKey
    orders: tuple[Order, ...]
    recommended: bool = False
    changes: tuple[DraftChange, ...] = ()  # update / delete actions on draft orders


# --- evidence, one shape per topic ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class HypercalcemiaEvidence:
    calcium: CalciumValue
    severity: Severity
    ctcae_grade: int | None  # None when the value proves only "above the limit"
    # Work-up tests left out of the suggestion because a current result exists.
    already_resulted: tuple[LabResult, ...]


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: TriggerKind
    lab: LabResult | None = None  # ALP trigger
    calcium: CalciumValue | None = None  # hypercalcemia trigger
    condition: ConditionFact | None = None  # bone pain / fracture trigger
    times_upper_limit: Decimal | None = None  # total ALP ÷ its upper limit


@dataclass(frozen=True, slots=True)
class WorkupEvidence:
    triggers: tuple[Trigger, ...]
    trigger_kinds: frozenset[TriggerKind]
    alp_above_warning_multiple: bool  # total ALP > 2.5 × ULN
    # Bone imaging that is older than the lookback (shown so the reader sees it was seen).
    older_imaging: tuple[ImagingFact, ...]


@dataclass(frozen=True, slots=True)
class CordCompressionEvidence:
    compression: tuple[ConditionFact, ...]  # §3.3 (a) and (b)
    back_pain: tuple[ConditionFact, ...]  # §3.3 (c), shown only with a red flag
    red_flags: tuple[ConditionFact, ...]


@dataclass(frozen=True, slots=True)
class BoneModifyingAgentEvidence:
    metastasis: tuple[ConditionFact, ...]
    calcium: CalciumValue | None
    calcium_low: bool
    hypercalcemia: bool
    pathological_fractures: tuple[ConditionFact, ...]
    renal: RenalFunction
    zoledronic_acid_dose_mg: Decimal | None  # None: not recommended or CrCl unknown
    osteoporosis_agents: tuple[MedicationFact, ...]  # on a BMA, but not the oncology dose


@dataclass(frozen=True, slots=True)
class BmaSafetyEvidence:
    medications: tuple[MedicationFact, ...]  # the exposures the problem concerns
    calcium: CalciumValue | None = None
    ctcae_grade: int | None = None  # hypocalcemia grade
    renal: RenalFunction | None = None
    renal_limit: Decimal | None = None  # mL/min (30, or 35 for the 5 mg product)
    creatinine_current: LabResult | None = None
    creatinine_baseline: LabResult | None = None
    creatinine_rise: Decimal | None = None  # mg/dL
    creatinine_rise_limit: Decimal | None = None  # mg/dL (0.5 or 1.0)
    calcium_lookback_days: int | None = None


@dataclass(frozen=True, slots=True)
class OrderCheckEvidence:
    """What an order-sign card shows (§6): the draft order(s) concerned and the inputs."""

    drafts: tuple[MedicationFact, ...]  # the draft BMA orders the problem concerns
    calcium: CalciumValue | None = None
    ctcae_grade: int | None = None  # hypocalcemia grade
    calcium_lookback_days: int | None = None
    renal: RenalFunction | None = None
    renal_problem: RenalDoseProblem | None = None
    renal_limit: Decimal | None = None  # mL/min (30 or 35)
    band_dose_mg: Decimal | None = None  # the CrCl band's dose
    dose_tolerance_mg: Decimal | None = None
    creatinine: LabResult | None = None  # hypercalcemia of malignancy: creatinine rule
    creatinine_limit: Decimal | None = None  # mg/dL
    dental: tuple[DentalCareFact, ...] = ()  # dental care on record (older than the window)
    dental_lookback_days: int | None = None
    metastasis: tuple[ConditionFact, ...] = ()
    existing: tuple[MedicationFact, ...] = ()  # the patient's records a draft duplicates
    earlier_drafts: tuple[MedicationFact, ...] = ()  # BMA drafts before it in the Bundle


Evidence = (
    HypercalcemiaEvidence
    | WorkupEvidence
    | CordCompressionEvidence
    | BoneModifyingAgentEvidence
    | BmaSafetyEvidence
    | OrderCheckEvidence
)


@dataclass(frozen=True, slots=True)
class Finding:
    topic: Topic | OrderTopic
    indicator: Indicator
    evidence: Evidence
    problem: SafetyProblem | None = None  # bma-safety only: which problem
    suggestions: tuple[SuggestionChoice, ...] = ()
    selection: SelectionBehavior | None = None
    excluded: tuple[ExcludedData, ...] = ()  # data seen but unusable, and why

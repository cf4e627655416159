"""The code lists of the clinical specification, each with its source.

Sources: `clinical-knowledge.md` (§ numbers below), `codes-verified.md` ("CV"), and
the VSAC value sets packaged in `valuesets/`. Look-ups are O(1) set membership on
(system, normalised code); ICD-10-CM matches with or without the dot and, where the
text says "starting", by prefix. Codes marked unverified in CV are never matched by
code: they appear only as display-text fallbacks (`CodeList.text_any`).

    >>> BREAST_CANCER.matches(ICD10CM, "C50911")
    True
    >>> BREAST_CANCER.matches(SNOMED, "429740004")  # family history: not in scope
    False
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cds_service.knowledge.valuesets import (
    ALBUMIN_OID,
    ALP_OID,
    BACK_PAIN_OID,
    BONE_PAIN_OID,
    BONE_SCAN_OID,
    BREAST_CANCER_OID,
    CALCIUM_OID,
    CREATININE_OID,
    EGFR_OID,
    ICD10CM,
    LOINC,
    PATHOLOGIC_FRACTURE_ICD10_OID,
    PATHOLOGIC_FRACTURE_SNOMED_OID,
    PTH_OID,
    SNOMED,
    SPINE_MRI_OID,
    VITAMIN_D_OID,
    canonical_system,
    normalize_code,
    value_set,
)

__all__ = ["ICD10CM", "LOINC", "SNOMED", "CodeList", "normalize_text"]


def normalize_text(text: str) -> str:
    """Lower case, zero-width characters removed (Synthea displays carry U+200B)."""
    return text.replace("\u200b", "").replace("\ufeff", "").casefold()


@dataclass(frozen=True, slots=True)
class CodeList:
    """A named list of codes: exact codes, ICD-10-CM prefixes, display-text fallbacks."""

    name: str
    codes: frozenset[tuple[str, str]]
    prefixes: tuple[tuple[str, str], ...] = ()
    # A display matches when it holds every word of one group, each at the start of a
    # word ("rib" matches "Rib" and "ribs", not "distribution").
    text_any: tuple[tuple[str, ...], ...] = ()
    _patterns: tuple[tuple[re.Pattern[str], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    # Every word of every group in one alternation: a text naming none of them (most
    # texts) is ruled out in a single scan before the per-group checks.
    _any_word: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = tuple(
            tuple(re.compile(r"\b" + re.escape(word)) for word in words) for words in self.text_any
        )
        object.__setattr__(self, "_patterns", compiled)
        words = sorted({word for group in self.text_any for word in group})
        any_word = (
            re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + ")")
            if words
            else None
        )
        object.__setattr__(self, "_any_word", any_word)

    def matches(self, system: str | None, code: str | None) -> bool:
        if not code:
            return False
        sys = canonical_system(system)
        return self.matches_normalized(sys, normalize_code(sys, code))

    def matches_normalized(self, sys: str, norm: str) -> bool:
        """`matches` for a coding already through `canonical_system` and `normalize_code`
        (a caller testing one coding against many lists normalizes it once)."""
        if (sys, norm) in self.codes:
            return True
        return any(sys == p_sys and norm.startswith(p) for p_sys, p in self.prefixes)

    def matches_text(self, text: str | None) -> bool:
        if not text or not self.text_any:
            return False
        return self.matches_folded(normalize_text(text))

    def matches_folded(self, folded: str) -> bool:
        """`matches_text` for a text already through `normalize_text` (a caller testing
        one text against many lists normalizes it once)."""
        if self._any_word is None or self._any_word.search(folded) is None:
            return False
        return any(all(p.search(folded) for p in group) for group in self._patterns)

    def code_values(self, system: str) -> frozenset[str]:
        return frozenset(c for s, c in self.codes if s == system)


def _codes(system: str, codes: Iterable[str]) -> set[tuple[str, str]]:
    sys = canonical_system(system)
    return {(sys, normalize_code(sys, c)) for c in codes}


def _vs(*oids: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for oid in oids:
        found.update(value_set(oid))
    return found


def _icd_prefixes(*prefixes: str) -> tuple[tuple[str, str], ...]:
    return tuple((ICD10CM, normalize_code(ICD10CM, p)) for p in prefixes)


# --- §1 scope -----------------------------------------------------------------------
MCODE_PRIMARY_CANCER_PROFILE = (
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"
)
MCODE_SECONDARY_CANCER_PROFILE = (
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition"
)

# §1: VSAC Breast Cancer + legacy/mCODE SNOMED codes + ICD-10-CM C50* + Z85.3 +
# SNOMED 415076002 (personal history). NOT 429740004 (family history; CV).
BREAST_CANCER = CodeList(
    "breast cancer",
    frozenset(
        _vs(BREAST_CANCER_OID)
        | _codes(SNOMED, ["372064008", "417181009", "353431000119107", "415076002"])
        | _codes(ICD10CM, ["Z85.3"])
    ),
    prefixes=_icd_prefixes("C50"),
)
FAMILY_HISTORY_OF_BREAST_CANCER = "429740004"  # CV: family history, never in scope

# §1: SNOMED metastasis-to-bone codes (VSAC All Metastatic Sites 762.1260.36, filtered
# to bone) and ICD-10-CM C79.5, C79.51, C79.52.
BONE_METASTASIS = CodeList(
    "bone metastasis",
    frozenset(
        _codes(
            SNOMED,
            [
                "94222008",  # Metastatic malignant neoplasm to bone
                "94217008",  # … to bone marrow
                "94220000",  # … bone of skull
                "94300004",  # … femur
                "94337005",  # … ilium
                "94383004",  # … long bone of upper limb
                "94478006",  # … pelvic bone
                "94521000",  # … rib
                "94527001",  # … sacrum
                "94529003",  # … scapula
                "94602001",  # … vertebral column
                "94605004",  # … sternum
                "91281000119103",  # Metastatic adenocarcinoma to bone
            ],
        )
        | _codes(ICD10CM, ["C79.5", "C79.51", "C79.52"])
    ),
)

# §1 mCODE SecondaryCancerCondition: "whose code is a secondary malignant neoplasm".
# The text names no list; judgement: SNOMED 128462008 Secondary malignant neoplastic
# disease, 14799000 Neoplasm, metastatic, the bone-metastasis codes, ICD-10-CM C77–C79,
# or a display naming a secondary / metastatic malignancy.
SECONDARY_MALIGNANT_NEOPLASM = CodeList(
    "secondary malignant neoplasm",
    frozenset(BONE_METASTASIS.codes | _codes(SNOMED, ["128462008", "14799000"])),
    prefixes=_icd_prefixes("C77", "C78", "C79"),
    text_any=(("secondary", "malignan"), ("metasta",)),
)
# §1: bone body structures; any bodySite display holding one of these words is bone.
BONE_BODY_SITE = CodeList(
    "bone body site",
    frozenset(_codes(SNOMED, ["272673000", "421060004", "80144004"])),
    text_any=(
        ("bone",),
        ("vertebra",),
        ("rib",),
        ("pelvi",),
        ("femur",),
        ("sacrum",),
        ("skull",),
        ("spine",),
    ),
)

# --- §3.2 triggers --------------------------------------------------------------------
BONE_PAIN = CodeList("bone pain", frozenset(_vs(BONE_PAIN_OID)))  # VSAC 762.1146.1988
# CV + VSAC 762.1146.1992 (SNOMED), 762.1146.1993 (ICD-10-CM), ICD-10-CM M84.5*.
PATHOLOGICAL_FRACTURE = CodeList(
    "pathological fracture",
    frozenset(
        _vs(PATHOLOGIC_FRACTURE_SNOMED_OID, PATHOLOGIC_FRACTURE_ICD10_OID)
        | _codes(SNOMED, ["268029009", "134421000", "866087009"])
    ),
    prefixes=_icd_prefixes("M84.5"),
)

# --- §3.3 spinal cord compression (CV) -------------------------------------------------
CORD_COMPRESSION_NEOPLASTIC = CodeList(
    "spinal cord compression due to neoplasm",
    frozenset(_codes(SNOMED, ["713425003", "1197277003"])),
)
CORD_COMPRESSION_UNSTATED = CodeList(
    "spinal cord / cauda equina compression, cause unstated",
    frozenset(
        _codes(SNOMED, ["71286001", "192970008", "16846261000119106"])
        | _codes(ICD10CM, ["G95.20", "G95.29", "G83.4"])
    ),
)
BACK_PAIN = CodeList(  # VSAC Back Pain 762.1222.1429 + 161891005 Backache (762.1146.810)
    "back pain", frozenset(_vs(BACK_PAIN_OID) | _codes(SNOMED, ["161891005"]))
)
NEURO_RED_FLAG = CodeList(
    "neurological red flag",
    frozenset(
        _codes(
            SNOMED,
            [
                # leg weakness (not 713514005: not leg-specific)
                "691011000124106",
                "570941000124100",
                "570971000124108",
                # paraparesis / paraplegia
                "1845001",
                "60389000",
                "698291007",
                # urinary retention
                "267064002",
                "236648008",
                "782390002",
                # incontinence (not 165232002 / R32: too common)
                "72042002",
                "78459008",
                "397878005",
                # saddle / leg sensory loss
                "449813001",
                "1187255000",
                "309537005",
                "429783005",
                "15634791000119106",
                "15634841000119109",
                # gait
                "22325002",
                "432559006",
                "282145008",
                "228158008",
            ],
        )
        | _codes(ICD10CM, ["G82.20", "G82.21", "G82.22", "R33.9", "R26.2"])
    ),
    # CV: R15.x (faecal incontinence) is unverified: matched by display text only.
    text_any=(("fecal", "incontinence"), ("faecal", "incontinence"), ("incontinence of feces",)),
)

# --- CV other conditions ----------------------------------------------------------------
HYPERCALCEMIA = CodeList(
    "hypercalcemia",
    frozenset(_codes(SNOMED, ["66931009", "47709007"]) | _codes(ICD10CM, ["E83.52"])),
)
# CV: osteonecrosis of the jaw is unverified (no SNOMED code): text only.
OSTEONECROSIS_OF_JAW = CodeList(
    "osteonecrosis of the jaw", frozenset(), text_any=(("osteonecrosis", "jaw"),)
)

# --- §2 laboratory (LOINC) ----------------------------------------------------------------
# Keys are `facts.model.Analyte` values. VSAC sets are cited per analyte; timed
# challenge / dialysis codes of the creatinine and albumin sets ("--pre", "--post",
# "--1 hour" …) are left out (they are not the patient's current level), as is the
# eGFR panel code 45066-8 (a panel, not a value). 13959-2 is a distractor (§2): absent.
_TIMED = "--"


def _vs_loinc(oid: str, *, drop_timed: bool = False) -> set[str]:
    vs = value_set(oid)
    return {
        code
        for (system, code), display in vs.displays.items()
        if system == LOINC and not (drop_timed and _TIMED in display)
    }


LOINC_BY_ANALYTE: dict[str, frozenset[str]] = {
    # 762.1222.794 + §2 table
    "total-calcium": frozenset(
        _vs_loinc(CALCIUM_OID) | {"17861-6", "2000-8", "49765-1", "1996-8", "42593-4", "42857-3"}
    ),
    # 762.1222.122 restricted to the albumin-corrected codes (§2: ignore 18281-6,
    # 34907-6, 47597-0, corrected for total protein)
    "corrected-calcium": frozenset({"46099-8", "29265-6"}),
    "ionized-calcium": frozenset({"1994-3", "1995-0", "38230-9", "17863-2", "17864-0"}),
    "alkaline-phosphatase": frozenset(_vs_loinc(ALP_OID) | {"6768-6", "1783-0", "77141-0"}),
    "bone-specific-alkaline-phosphatase": frozenset({"1777-2"}),  # CV (17838-4 is mass)
    "albumin": frozenset(
        _vs_loinc(ALBUMIN_OID, drop_timed=True) | {"1751-7", "61151-7", "61152-5", "2862-1"}
    ),
    "creatinine": frozenset(
        _vs_loinc(CREATININE_OID, drop_timed=True)
        | {"2160-0", "14682-9", "38483-4", "59826-8", "77140-2"}
    ),
    "egfr": frozenset(
        (_vs_loinc(EGFR_OID) - {"45066-8"})
        | {
            "98979-8",
            "62238-1",
            "33914-3",
            "48642-3",
            "48643-1",
            "88293-6",
            "88294-4",
            "50210-4",
            "94677-2",
            "69405-9",
            "77147-7",
        }
    ),
    "body-weight": frozenset({"29463-7"}),
    "25-oh-vitamin-d": frozenset(
        _vs_loinc(VITAMIN_D_OID) | {"62292-8", "1989-3", "14635-7", "35365-6"}
    ),
    "pth": frozenset(_vs_loinc(PTH_OID) | {"2731-8", "14866-8"}),
    "pthrp": frozenset({"2729-2"}),
}
LOINC_DISTRACTORS = frozenset({"13959-2"})  # §2: calcium-related, not total calcium


def _analyte_by_loinc() -> dict[str, str]:
    found: dict[str, str] = {}
    for analyte, codes in LOINC_BY_ANALYTE.items():
        for code in codes:
            if code in found:
                raise RuntimeError(f"LOINC {code} in {found[code]} and {analyte}")
            found[code] = analyte
    return found


ANALYTE_BY_LOINC: dict[str, str] = _analyte_by_loinc()

# Orderable tests (§3.1, §6 suggestions).
ORDER_PTH = "2731-8"
ORDER_PTHRP = "2729-2"
ORDER_VITAMIN_D = "62292-8"
ORDER_SERUM_CALCIUM = "17861-6"
ORDER_ALBUMIN = "1751-7"
ORDER_CREATININE = "2160-0"

# --- §3.2 imaging (CV) --------------------------------------------------------------------
BONE_SCAN = CodeList(
    "bone scan",
    frozenset(
        _vs(BONE_SCAN_OID)
        | _codes(SNOMED, ["41747008", "418832007"])
        | _codes(LOINC, ["39818-0", "39816-4", "39882-6", "39881-8", "81552-2", "81551-4"])
        | _codes(LOINC, ["44142-8"])
    ),
)
PET_CT = CodeList(
    "FDG PET/CT", frozenset(_codes(SNOMED, ["432675001", "725928006", "480621000119104"]))
)
SPINE_MRI = CodeList(
    "whole-spine MRI",
    frozenset(
        _vs(SPINE_MRI_OID)
        | _codes(SNOMED, ["411611000119102", "495741000119105"])
        | _codes(LOINC, ["42698-1", "30854-4", "30855-1", "91561-1", "38061-8"])
    ),
)
ORDER_BONE_SCAN = "41747008"  # §3.2 suggestion
ORDER_PET_CT = "432675001"
ORDER_WHOLE_SPINE_MRI = "411611000119102"

# --- §6 dental (CV) -----------------------------------------------------------------------
# §6: coded 34043003 / 772071006; an encounter also by text / display naming dental care.
DENTAL = CodeList(
    "dental care",
    frozenset(_codes(SNOMED, ["34043003", "772071006"])),
    text_any=(("dental",), ("dentist",)),
)
ORDER_DENTAL_REFERRAL = "772071006"

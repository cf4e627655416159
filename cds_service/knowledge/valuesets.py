"""VSAC value sets, loaded once from the package's `valuesets/<oid>.json` files.

Each file is a compact copy of a VSAC expansion (FHIR package us.nlm.vsac): canonical
`url`, `oid`, `version`, `title`, and its codes by system (code → display). The
copies are checked against `../shared/data/valuesets/` by
`tests/knowledge/test_valuesets.py`.

    >>> from cds_service.knowledge.valuesets import value_set, SNOMED
    >>> ("http://snomed.info/sct", "254837009") in value_set(BREAST_CANCER_OID)
    True

Codes are stored normalised (`normalize_code`), so an ICD-10-CM code matches with or
without its dot (`C50.911` = `C50911`), and look-ups are O(1) set membership.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"  # WHO ICD-10: read as ICD-10-CM for these codes

_ICD_SYSTEMS = frozenset({ICD10CM, ICD10})

# VSAC value sets the service uses (clinical-knowledge §1–§3, codes-verified.md).
BREAST_CANCER_OID = "2.16.840.1.113762.1.4.1116.185"
BONE_PAIN_OID = "2.16.840.1.113762.1.4.1146.1988"
PATHOLOGIC_FRACTURE_SNOMED_OID = "2.16.840.1.113762.1.4.1146.1992"
PATHOLOGIC_FRACTURE_ICD10_OID = "2.16.840.1.113762.1.4.1146.1993"
BISPHOSPHONATE_THERAPY_OID = "2.16.840.1.113762.1.4.1206.50"
CREATININE_OID = "2.16.840.1.113762.1.4.1222.111"
CORRECTED_CALCIUM_OID = "2.16.840.1.113762.1.4.1222.122"
VITAMIN_D_OID = "2.16.840.1.113762.1.4.1222.126"
PTH_OID = "2.16.840.1.113762.1.4.1222.129"
BACK_PAIN_OID = "2.16.840.1.113762.1.4.1222.1429"
ALBUMIN_OID = "2.16.840.1.113762.1.4.1222.151"
EGFR_OID = "2.16.840.1.113762.1.4.1222.179"
CALCIUM_OID = "2.16.840.1.113762.1.4.1222.794"
ALP_OID = "2.16.840.1.113762.1.4.1222.805"
SPINE_MRI_OID = "2.16.840.1.113762.1.4.1222.920"
BONE_SCAN_OID = "2.16.840.1.113883.3.526.2.1374"

ALL_OIDS = (
    BREAST_CANCER_OID,
    BONE_PAIN_OID,
    PATHOLOGIC_FRACTURE_SNOMED_OID,
    PATHOLOGIC_FRACTURE_ICD10_OID,
    BISPHOSPHONATE_THERAPY_OID,
    CREATININE_OID,
    CORRECTED_CALCIUM_OID,
    VITAMIN_D_OID,
    PTH_OID,
    BACK_PAIN_OID,
    ALBUMIN_OID,
    EGFR_OID,
    CALCIUM_OID,
    ALP_OID,
    SPINE_MRI_OID,
    BONE_SCAN_OID,
)


def canonical_system(system: str | None) -> str:
    """One name per code system (WHO ICD-10 is read as ICD-10-CM)."""
    if system in _ICD_SYSTEMS:
        return ICD10CM
    return system or ""


def normalize_code(system: str | None, code: str) -> str:
    """ICD-10(-CM): upper case without the dot; other systems: surrounding spaces trimmed."""
    if system in _ICD_SYSTEMS:
        return code.strip().upper().replace(".", "")
    return code.strip()


@dataclass(frozen=True, slots=True)
class ValueSet:
    """A VSAC expansion: membership by (system, code); displays kept for the card."""

    url: str
    oid: str
    version: str
    title: str
    displays: Mapping[tuple[str, str], str]  # (system, normalised code) → display

    def __contains__(self, coding: object) -> bool:
        if not isinstance(coding, tuple) or len(coding) != 2:
            return False
        system, code = coding
        if not isinstance(code, str):
            return False
        sys = canonical_system(system)
        return (sys, normalize_code(sys, code)) in self.displays

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.displays)

    def __len__(self) -> int:
        return len(self.displays)

    def codes(self, system: str) -> frozenset[str]:
        """The normalised codes of one system."""
        return frozenset(c for s, c in self.displays if s == system)


@cache
def value_set(oid: str) -> ValueSet:
    """The packaged value set `oid` (read once; raises KeyError if not packaged)."""
    path = resources.files(__package__).joinpath("valuesets", f"{oid}.json")
    if not path.is_file():
        raise KeyError(f"value set {oid} is not packaged")
    data = json.loads(path.read_text(encoding="utf-8"))
    displays: dict[tuple[str, str], str] = {}
    for system, codes in data["codes"].items():
        sys = canonical_system(system)
        for code, display in codes.items():
            displays[(sys, normalize_code(sys, code))] = display
    return ValueSet(data["url"], data["oid"], data["version"], data["title"], displays)


def load_all() -> tuple[ValueSet, ...]:
    """Load every packaged value set (call at startup to fail early on a broken file)."""
    return tuple(value_set(oid) for oid in ALL_OIDS)

from __future__ import annotations

import pytest

from cds_service.knowledge import codes as kc
from cds_service.knowledge.valuesets import ICD10, ICD10CM, LOINC, SNOMED


@pytest.mark.parametrize(
    ("code_list", "system", "code", "expected"),
    [
        (kc.BREAST_CANCER, ICD10CM, "C50.911", True),
        (kc.BREAST_CANCER, ICD10CM, "C50911", True),  # mCODE: no dot
        (kc.BREAST_CANCER, ICD10CM, "c50.9", True),
        (kc.BREAST_CANCER, ICD10, "C50.9", True),  # WHO ICD-10
        (kc.BREAST_CANCER, ICD10CM, "C500", True),
        (kc.BREAST_CANCER, ICD10CM, "C51.9", False),
        (kc.BREAST_CANCER, ICD10CM, "Z85.3", True),
        (kc.BREAST_CANCER, ICD10CM, "Z853", True),
        (kc.BREAST_CANCER, ICD10CM, "Z80.3", False),  # family history
        (kc.BREAST_CANCER, SNOMED, "415076002", True),
        (kc.BREAST_CANCER, SNOMED, "429740004", False),  # family history
        (kc.BREAST_CANCER, SNOMED, "254837009", True),  # VSAC
        (kc.BREAST_CANCER, SNOMED, "372064008", True),
        (kc.BREAST_CANCER, SNOMED, "353431000119107", True),
        (kc.BREAST_CANCER, LOINC, "254837009", False),  # wrong system
        (kc.BREAST_CANCER, None, "C50.9", False),
        (kc.BONE_METASTASIS, SNOMED, "94222008", True),
        (kc.BONE_METASTASIS, ICD10CM, "C79.51", True),
        (kc.BONE_METASTASIS, ICD10CM, "C7952", True),
        (kc.BONE_METASTASIS, ICD10CM, "C79.3", False),  # brain
        (kc.PATHOLOGICAL_FRACTURE, ICD10CM, "M84.50XA", True),
        (kc.PATHOLOGICAL_FRACTURE, ICD10CM, "M84.58XA", True),
        (kc.PATHOLOGICAL_FRACTURE, ICD10CM, "M84.40XA", True),  # VSAC 762.1146.1993
        (kc.PATHOLOGICAL_FRACTURE, SNOMED, "268029009", True),
        (kc.CORD_COMPRESSION_NEOPLASTIC, SNOMED, "713425003", True),
        (kc.CORD_COMPRESSION_UNSTATED, ICD10CM, "G95.20", True),
        (kc.CORD_COMPRESSION_UNSTATED, SNOMED, "1156266006", False),  # site-specified
        (kc.NEURO_RED_FLAG, SNOMED, "713514005", False),  # not leg-specific
        (kc.NEURO_RED_FLAG, SNOMED, "165232002", False),  # generic incontinence
        (kc.NEURO_RED_FLAG, ICD10CM, "R15.9", False),  # unverified: text only
        (kc.NEURO_RED_FLAG, SNOMED, "60389000", True),
        (kc.BACK_PAIN, SNOMED, "161891005", True),
        (kc.BONE_PAIN, SNOMED, "12584003", True),
        (kc.HYPERCALCEMIA, ICD10CM, "E83.52", True),
        (kc.BONE_SCAN, SNOMED, "41747008", True),
        (kc.BONE_SCAN, LOINC, "39818-0", True),
        (kc.SPINE_MRI, SNOMED, "411611000119102", True),
        (kc.PET_CT, SNOMED, "432675001", True),
        (kc.DENTAL, SNOMED, "772071006", True),
    ],
)
def test_code_lists(code_list, system, code, expected):
    assert code_list.matches(system, code) is expected


def test_pathological_fracture_icd_exists_in_vsac():
    assert kc.PATHOLOGICAL_FRACTURE.matches(ICD10CM, "M84.40XA")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Structure of rib", True),
        ("Bone structure of calcaneum", True),
        ("Thoracic vertebral structure", True),
        ("Pelvic structure", True),
        ("Skin structure of distribution area", False),  # "rib" inside a word
        ("Liver structure", False),
    ],
)
def test_bone_body_site_text(text, expected):
    assert kc.BONE_BODY_SITE.matches_text(text) is expected


@pytest.mark.parametrize(
    ("loinc", "analyte"),
    [
        ("17861-6", "total-calcium"),
        ("49765-1", "total-calcium"),
        ("2000-8", "total-calcium"),
        ("46099-8", "corrected-calcium"),
        ("1995-0", "ionized-calcium"),
        ("6768-6", "alkaline-phosphatase"),
        ("1777-2", "bone-specific-alkaline-phosphatase"),
        ("1751-7", "albumin"),
        ("2160-0", "creatinine"),
        ("98979-8", "egfr"),
        ("33914-3", "egfr"),
        ("29463-7", "body-weight"),
        ("62292-8", "25-oh-vitamin-d"),
        ("2731-8", "pth"),
        ("2729-2", "pthrp"),
    ],
)
def test_loinc_analytes(loinc, analyte):
    assert kc.ANALYTE_BY_LOINC[loinc] == analyte


@pytest.mark.parametrize(
    "loinc",
    ["13959-2", "18281-6", "34907-6", "47597-0", "45066-8", "11041-1", "40046-5"],
)
def test_not_analytes(loinc):
    """Distractor, protein-corrected calcium, eGFR panel, timed challenge codes."""
    assert loinc not in kc.ANALYTE_BY_LOINC

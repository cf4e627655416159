from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from cds_service.facts.builder import build_patient_facts
from cds_service.facts.model import Agent, ConditionKind, ImagingKind, Intent, Supplement
from tests.facts.fhir import ICD10CM, SNOMED, bundle, condition, dose, med_request, rx, status

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"


def build(*resources):
    return build_patient_facts({"data": bundle(*resources)}, NOW)


# --- conditions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "code", "in_scope"),
    [
        (ICD10CM, "C50911", True),
        (ICD10CM, "C50.911", True),
        (ICD10CM, "Z85.3", True),
        (SNOMED, "415076002", True),
        (SNOMED, "429740004", False),
        (SNOMED, "254837009", True),
    ],
)
def test_breast_cancer_scope(system, code, in_scope):
    facts = build(condition("c", system, code))
    kinds = {k for c in facts.conditions for k in c.kinds}
    assert (ConditionKind.BREAST_CANCER in kinds) is in_scope


@pytest.mark.parametrize(
    ("verification", "kept"),
    [
        ("refuted", False),
        ("entered-in-error", False),
        ("confirmed", True),
        ("unconfirmed", True),
        (None, True),
    ],
)
def test_verification_status(verification, kept):
    extra = {}
    if verification:
        extra["verificationStatus"] = status("condition-ver-status", verification)
    facts = build(condition("c", SNOMED, "254837009", **extra))
    assert bool(facts.conditions) is kept


@pytest.mark.parametrize(
    ("clinical", "active"),
    [
        ("active", True),
        ("recurrence", True),
        ("relapse", True),
        (None, True),
        ("resolved", False),
        ("remission", False),
        ("inactive", False),
    ],
)
def test_clinical_status(clinical, active):
    extra = {"clinicalStatus": status("condition-clinical", clinical)} if clinical else {}
    (fact,) = build(condition("c", SNOMED, "12584003", **extra)).conditions
    assert fact.active is active
    assert fact.kinds == {ConditionKind.BONE_PAIN}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"onsetDateTime": "2026-11-01", "recordedDate": "2026-11-10"},
            datetime(2026, 11, 1, tzinfo=UTC),
        ),
        (
            {"onsetPeriod": {"start": "2026-10-01"}, "recordedDate": "2026-11-10"},
            datetime(2026, 10, 1, tzinfo=UTC),
        ),
        ({"recordedDate": "2026-11-10"}, datetime(2026, 11, 10, tzinfo=UTC)),
        ({"onsetString": "last spring"}, None),
    ],
)
def test_condition_date(extra, expected):
    (fact,) = build(condition("c", SNOMED, "12584003", **extra)).conditions
    assert fact.date == expected


def test_mcode_secondary_in_bone_is_bone_metastasis():
    secondary = condition(
        "c",
        SNOMED,
        "128462008",
        "Secondary malignant neoplastic disease",
        meta={"profile": [MCODE + "mcode-secondary-cancer-condition"]},
        bodySite=[{"coding": [{"system": SNOMED, "code": "123", "display": "Left femur"}]}],
    )
    liver = condition(
        "d",
        SNOMED,
        "128462008",
        "Secondary malignant neoplastic disease",
        bodySite=[{"coding": [{"system": SNOMED, "code": "10200004", "display": "Liver"}]}],
    )
    facts = build(secondary, liver)
    kinds = {c.resource_id: c.kinds for c in facts.conditions}
    assert kinds == {"c": {ConditionKind.BONE_METASTASIS}}


def test_red_flag_unverified_code_by_text_only():
    facts = build(
        condition("c", ICD10CM, "R15.9", "Full incontinence of feces"),
        condition("d", ICD10CM, "R15.9", ""),
    )
    assert [c.resource_id for c in facts.conditions] == ["c"]


def test_pathological_fracture_m845():
    (fact,) = build(condition("c", ICD10CM, "M84.58XA")).conditions
    assert ConditionKind.PATHOLOGICAL_FRACTURE in fact.kinds


# --- patient -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "birth", "gender", "deceased"),
    [
        ({"birthDate": "1960-05-02", "gender": "female"}, date(1960, 5, 2), "female", False),
        ({"birthDate": "1960-05"}, date(1960, 5, 1), "unknown", False),
        ({"deceasedBoolean": True}, None, "unknown", True),
        ({"deceasedDateTime": "2026-01-01"}, None, "unknown", True),
        ({"deceasedBoolean": False, "gender": "male"}, None, "male", False),
    ],
)
def test_patient(extra, birth, gender, deceased):
    facts = build({"resourceType": "Patient", "id": "p", **extra})
    assert facts.patient is not None
    assert (facts.patient.birth_date, facts.patient.gender, facts.patient.deceased) == (
        birth,
        gender,
        deceased,
    )


# --- medications -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("concept", "dosage", "agent", "dose_mg", "intent"),
    [
        pytest.param(
            rx("1046399", "Xgeva"), None, Agent.DENOSUMAB, "120", Intent.ONCOLOGY, id="xgeva-brand"
        ),
        pytest.param(
            rx("1046398", "1.7 ML denosumab 70 MG/ML Injection"),
            dose(1, "syringe"),
            Agent.DENOSUMAB,
            "119.0",
            Intent.ONCOLOGY,
            id="dose-not-mg-takes-strength",
        ),
        pytest.param(
            rx("1046398", "1.7 ML denosumab 70 MG/ML Injection"),
            dose(1.7, "mL"),
            Agent.DENOSUMAB,
            "119.0",
            Intent.ONCOLOGY,
            id="ml-times-mg-per-ml",
        ),
        pytest.param(rx("1046398", ""), None, None, None, None, id="unverified-code-alone"),
        pytest.param(
            rx("993449", "denosumab"),
            dose(60, "mg"),
            Agent.DENOSUMAB,
            "60",
            Intent.OSTEOPOROSIS,
            id="ingredient-60mg",
        ),
        pytest.param(
            rx("993449", "denosumab"),
            dose(1, "syringe"),
            Agent.DENOSUMAB,
            None,
            Intent.UNKNOWN,
            id="ingredient-dose-not-mg",
        ),
        pytest.param(
            rx("77655", "zoledronic acid"),
            dose(4, "mg"),
            Agent.ZOLEDRONIC_ACID,
            "4",
            Intent.ONCOLOGY,
            id="zoledronic-4mg",
        ),
        pytest.param(
            rx("705872", "Reclast"),
            None,
            Agent.ZOLEDRONIC_ACID,
            "5",
            Intent.OSTEOPOROSIS,
            id="reclast",
        ),
        pytest.param(
            rx("115264", "ibandronate"),
            None,
            Agent.IBANDRONATE,
            None,
            Intent.UNKNOWN,
            id="ibandronate-ingredient",
        ),
        pytest.param(
            rx("904952", "3 ML ibandronic acid 1 MG/ML Prefilled Syringe"),
            dose(3, "mg"),
            Agent.IBANDRONATE,
            "3",
            Intent.UNKNOWN,
            id="iv-ibandronate",
        ),
        pytest.param(
            rx(None, "Zometa 4 mg IV"),
            None,
            Agent.ZOLEDRONIC_ACID,
            "4",
            Intent.ONCOLOGY,
            id="by-name",
        ),
    ],
)
def test_bma_recognition(concept, dosage, agent, dose_mg, intent):
    extra = {"dosageInstruction": dosage} if dosage else {}
    facts = build(med_request("m", concept, **extra))
    if agent is None:
        assert facts.medications == ()
        return
    (fact,) = facts.medications
    assert fact.agent is agent
    assert fact.dose_mg == (Decimal(dose_mg) if dose_mg else None)
    assert fact.intent is intent
    assert fact.start == datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("concept", "supplements"),
    [
        (rx("2418", "cholecalciferol"), {Supplement.VITAMIN_D}),
        (
            rx(None, "Calcium carbonate 600 mg + Vitamin D3 400 IU"),
            {Supplement.CALCIUM, Supplement.VITAMIN_D},
        ),
        (rx(None, "Leucovorin calcium 25 mg"), None),
    ],
)
def test_supplements(concept, supplements):
    facts = build(med_request("m", concept))
    if supplements is None:
        assert facts.medications == ()
        return
    (fact,) = facts.medications
    assert fact.agent is None
    assert fact.supplements == supplements


def test_contained_and_referenced_medication():
    contained = med_request(
        "a",
        {},
        medicationReference={"reference": "#med"},
        contained=[{"resourceType": "Medication", "id": "med", "code": rx("1046399", "Xgeva")}],
    )
    contained.pop("medicationCodeableConcept")
    referenced = med_request("b", {}, medicationReference={"reference": "Medication/z"})
    referenced.pop("medicationCodeableConcept")
    medication = {"resourceType": "Medication", "id": "z", "code": rx("705872", "Reclast")}
    facts = build(contained, referenced, medication)
    assert {m.resource_id: m.agent for m in facts.medications} == {
        "a": Agent.DENOSUMAB,
        "b": Agent.ZOLEDRONIC_ACID,
    }


def test_for_hypercalcemia_by_reason_code_and_reference():
    by_code = med_request(
        "a",
        rx("77655", "zoledronic acid"),
        reasonCode=[{"coding": [{"system": SNOMED, "code": "47709007"}]}],
    )
    by_ref = med_request(
        "b", rx("77655", "zoledronic acid"), reasonReference=[{"reference": "Condition/h"}]
    )
    plain = med_request("c", rx("77655", "zoledronic acid"))
    hcm = condition("h", ICD10CM, "E83.52")
    facts = build(by_code, by_ref, plain, hcm)
    assert {m.resource_id: m.for_hypercalcemia for m in facts.medications} == {
        "a": True,
        "b": True,
        "c": False,
    }


def test_statement_dates():
    concept = rx("1046399", "Xgeva")
    base = {
        "resourceType": "MedicationStatement",
        "status": "completed",
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": concept,
    }
    point = {**base, "id": "a", "effectiveDateTime": "2026-10-01"}
    period = {**base, "id": "b", "effectivePeriod": {"start": "2026-01-01"}}
    asserted = {**base, "id": "c", "dateAsserted": "2026-09-01"}
    facts = build(point, period, asserted)
    got = {m.resource_id: (m.start, m.end) for m in facts.medications}
    oct1, jan1, sep1 = (datetime(2026, m, 1, tzinfo=UTC) for m in (10, 1, 9))
    assert got == {"a": (oct1, oct1), "b": (jan1, None), "c": (sep1, sep1)}


# --- imaging and dental ------------------------------------------------------------------


def test_imaging():
    done = {
        "resourceType": "Procedure",
        "id": "a",
        "status": "completed",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": SNOMED, "code": "41747008"}]},
        "performedPeriod": {"start": "2026-11-01", "end": "2026-11-02"},
    }
    not_done = {**done, "id": "b", "status": "not-done"}
    report = {
        "resourceType": "DiagnosticReport",
        "id": "c",
        "status": "preliminary",
        "code": {"coding": [{"system": SNOMED, "code": "432675001"}]},
        "effectiveDateTime": "2026-11-03",
    }
    cancelled = {**report, "id": "d", "status": "cancelled"}
    study = {
        "resourceType": "ImagingStudy",
        "id": "e",
        "status": "available",
        "subject": {"reference": "Patient/p"},
        "started": "2026-11-04",
        "procedureCode": [{"coding": [{"system": SNOMED, "code": "411611000119102"}]}],
    }
    facts = build(done, not_done, report, cancelled, study)
    got = {i.resource_id: (i.kind, i.time.day if i.time else None) for i in facts.imaging}
    assert got == {
        "a": (ImagingKind.BONE_SCAN, 2),
        "c": (ImagingKind.PET_CT, 3),
        "e": (ImagingKind.SPINE_MRI, 4),
    }


def test_dental():
    referral = {
        "resourceType": "ServiceRequest",
        "id": "a",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": SNOMED, "code": "772071006"}]},
        "authoredOn": "2026-10-01",
    }
    draft = {**referral, "id": "b", "status": "draft"}
    visit = {
        "resourceType": "Encounter",
        "id": "c",
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [{"text": "Dentist visit"}],
        "period": {"start": "2026-09-01"},
    }
    other = {**visit, "id": "d", "type": [{"text": "Oncology follow-up"}]}
    planned = {**visit, "id": "e", "status": "planned"}
    facts = build(referral, draft, visit, other, planned)
    assert sorted(d.resource_id for d in facts.dental) == ["a", "c"]

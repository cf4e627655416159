"""Cards: every card type renders, fits the CDS Hooks schema, shows its evidence, and its
suggestions carry valid FHIR R4 resources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.cards.content import CardContentError, get_content, load_content
from cds_service.cards.render import render_cards
from cds_service.cards.schema import Card, CdsResponse
from cds_service.facts.model import Agent, Analyte, ConditionKind, Intent, PatientFacts
from cds_service.rules import evaluate_patient_view
from cds_service.rules.findings import SafetyProblem, Topic
from cds_service.settings import get_settings
from tests.rules.factories import (
    BONE_METASTASIS,
    BREAST_CANCER,
    NOW,
    UNKNOWN_UNIT,
    condition,
    facts,
    lab,
    med,
)

PATIENT_ID = "pat-123"

SCENARIOS: dict[str, PatientFacts] = {
    "hypercalcemia-and-workup": facts(
        labs=[
            lab(Analyte.TOTAL_CALCIUM, "13.2", 2),
            lab(Analyte.ALBUMIN, "2.9", 2),
            lab(Analyte.ALP, "412", 5),
            lab(Analyte.PTH, "12", 4),
        ],
        conditions=[
            BREAST_CANCER,
            condition(ConditionKind.BONE_PAIN, days_ago=12, display="Bone pain *left hip*"),
        ],
        excluded=[UNKNOWN_UNIT],
    ),
    "cord-compression": facts(
        conditions=[
            BREAST_CANCER,
            condition(ConditionKind.BACK_PAIN, days_ago=3, display="Low back pain"),
            condition(ConditionKind.NEURO_RED_FLAG, days_ago=2, display="Paraparesis"),
            condition(
                ConditionKind.CORD_COMPRESSION_NEOPLASTIC,
                days_ago=1,
                display="Spinal cord compression due to metastasis to spine " * 3,
            ),
        ]
    ),
    "bma-missing": facts(
        labs=[
            lab(Analyte.IONIZED_CALCIUM, "1.36", 3),
            lab(Analyte.CREATININE, "1.3", 3),
            lab(Analyte.WEIGHT, "64.5", 30),
        ],
        conditions=[BREAST_CANCER, BONE_METASTASIS],
        meds=[med(Agent.DENOSUMAB, Intent.OSTEOPOROSIS, dose_mg="60")],
    ),
    "bma-renal-unknown": facts(conditions=[BREAST_CANCER, BONE_METASTASIS]),
    "bma-egfr": facts(
        labs=[lab(Analyte.EGFR, "60", 3, comparator=">")],
        conditions=[BREAST_CANCER, BONE_METASTASIS],
    ),
    "safety-denosumab": facts(
        labs=[lab(Analyte.TOTAL_CALCIUM, "6.8", 40), lab(Analyte.EGFR, "24", 5)],
        meds=[med(Agent.DENOSUMAB, Intent.OSTEOPOROSIS, dose_mg="60")],
    ),
    "safety-denosumab-low": facts(
        labs=[lab(Analyte.TOTAL_CALCIUM, "6.8", 2)],
        meds=[med(Agent.DENOSUMAB, Intent.ONCOLOGY, dose_mg="120")],
    ),
    "safety-xgeva-unmonitored": facts(
        meds=[med(Agent.DENOSUMAB, Intent.ONCOLOGY, dose_mg="120")],
    ),
    "safety-zoledronic": facts(
        labs=[
            lab(Analyte.CREATININE, "1.1", 80),
            lab(Analyte.CREATININE, "2.3", 2),
            lab(Analyte.WEIGHT, "58", 20),
        ],
        meds=[med(Agent.ZOLEDRONIC_ACID, Intent.ONCOLOGY, dose_mg="4", days_ago=60)],
    ),
}


def cards_of(name: str) -> list[Card]:
    return render_cards(evaluate_patient_view(SCENARIOS[name], NOW), patient_id=PATIENT_ID)


ALL_CARDS = [(name, card) for name in SCENARIOS for card in cards_of(name)]


def test_every_topic_and_problem_is_rendered() -> None:
    assert {card.topic for _, card in ALL_CARDS} == {t.value for t in Topic}
    problems = {
        f.problem for scenario in SCENARIOS.values() for f in evaluate_patient_view(scenario, NOW)
    }
    assert problems - {None} == set(SafetyProblem)


@pytest.mark.parametrize(("name", "card"), ALL_CARDS, ids=[f"{n}-{c.topic}" for n, c in ALL_CARDS])
def test_card_fits_the_spec(name: str, card: Card) -> None:
    assert len(card.summary) < 140
    assert "\n" not in card.summary
    assert card.detail
    assert card.source.topic is not None
    assert card.source.topic.system == (
        "https://bone-metastasis-advisor.example.org/CodeSystem/card-topic"
    )
    assert card.overrideReasons
    assert all(reason.display for reason in card.overrideReasons)
    assert "{{" not in card.detail and "{%" not in card.detail
    # the whole response serialises without nulls or empties
    CdsResponse(cards=[card]).to_json()


@pytest.mark.parametrize(("name", "card"), ALL_CARDS, ids=[f"{n}-{c.topic}" for n, c in ALL_CARDS])
def test_suggested_resources_are_valid_fhir_r4(name: str, card: Card) -> None:
    for suggestion in card.suggestions or []:
        for action in suggestion.actions or []:
            assert action.type == "create"
            assert action.resource is not None
            model = {"ServiceRequest": ServiceRequest, "MedicationRequest": MedicationRequest}[
                action.resource["resourceType"]
            ]
            resource = model.model_validate(action.resource)
            assert resource.status == "draft"
            assert resource.intent == "proposal"
            assert resource.subject.reference == f"Patient/{PATIENT_ID}"


def by_topic(name: str, topic: Topic) -> list[Card]:
    return [c for c in cards_of(name) if c.topic == topic]


def test_hypercalcemia_card_shows_its_evidence() -> None:
    (card,) = by_topic("hypercalcemia-and-workup", Topic.HYPERCALCEMIA)
    # 13.2 + 0.8 × (4.0 − 2.9) = 14.08 mg/dL: severe
    assert card.indicator == "critical"
    assert "14.08 mg/dL" in card.summary
    assert card.detail is not None
    for text in ("13.2 mg/dL", "2.9 g/dL", "8.5–10.5 mg/dL", "service default", "grade 4"):
        assert text in card.detail, text
    assert "unit the service cannot convert" in card.detail
    assert "PTH (intact) **12 pg/mL**" in card.detail  # already resulted, left out
    (suggestion,) = card.suggestions or []
    codes = [
        a.resource["code"]["coding"][0]["code"] for a in suggestion.actions or [] if a.resource
    ]
    assert codes == ["2729-2", "62292-8"]


def test_severe_hypercalcemia_is_critical() -> None:
    (card,) = by_topic("hypercalcemia-and-workup", Topic.HYPERCALCEMIA)
    assert card.summary.startswith("Severe")


def test_workup_card_lists_triggers_and_escapes_record_text() -> None:
    (card,) = by_topic("hypercalcemia-and-workup", Topic.BONE_METASTASIS_WORKUP)
    assert card.indicator == "warning"
    assert card.selectionBehavior == "at-most-one"
    assert card.detail is not None
    assert "412 U/L" in card.detail
    assert "3.4 × the upper limit" in card.detail
    assert r"Bone pain \*left hip\*" in card.detail
    codes = [
        s.actions[0].resource["code"]["coding"][0]["code"]
        for s in card.suggestions or []
        if s.actions and s.actions[0].resource
    ]
    assert codes == ["41747008", "432675001"]


def test_cord_compression_card_is_critical_with_stat_mri() -> None:
    (card,) = by_topic("cord-compression", Topic.SPINAL_CORD_COMPRESSION)
    assert card.indicator == "critical"
    (suggestion,) = card.suggestions or []
    (action,) = suggestion.actions or []
    assert action.resource is not None
    assert action.resource["priority"] == "stat"


def test_bma_card_states_calcium_crcl_and_dose() -> None:
    (card,) = by_topic("bma-missing", Topic.BONE_MODIFYING_AGENT)
    assert card.detail is not None
    # 66 y, 64.5 kg, Cr 1.3, female: 74 × 64.5 / (72 × 1.3) × 0.85 = 43.3 mL/min → 3.3 mg
    for text in ("1.36 mmol/L", "43.3 mL/min", "64.5 kg", "1.3 mg/dL", "**3.3 mg**", "60 mg"):
        assert text in card.detail, text
    assert "osteoporosis dose" in card.detail
    assert card.selectionBehavior == "at-most-one"
    doses = {
        a.resource["medicationCodeableConcept"]["coding"][0]["code"]: a.resource[
            "dosageInstruction"
        ][0]["doseAndRate"][0]["doseQuantity"]["value"]
        for s in card.suggestions or []
        for a in s.actions or []
        if a.resource and a.resource["resourceType"] == "MedicationRequest"
    }
    assert doses == {"993449": 120, "1865665": 3.3}


def test_bma_card_says_renal_function_unknown() -> None:
    (card,) = by_topic("bma-renal-unknown", Topic.BONE_MODIFYING_AGENT)
    assert card.detail is not None
    assert "**unknown**" in card.detail
    labels = [s.label for s in card.suggestions or []]
    assert not any("Zoledronic" in label for label in labels)


def test_bma_card_names_the_egfr_surrogate() -> None:
    (card,) = by_topic("bma-egfr", Topic.BONE_MODIFYING_AGENT)
    assert card.detail is not None
    assert "eGFR >60" in card.detail
    assert "standing in for creatinine clearance" in card.detail


def test_safety_cards_one_per_problem() -> None:
    problems = [c.summary for c in by_topic("safety-denosumab", Topic.BMA_SAFETY)]
    assert len(problems) == 1  # calcium 40 days old: not current, so not "low"
    assert "60 mg" in problems[0]
    (low,) = by_topic("safety-denosumab-low", Topic.BMA_SAFETY)
    assert low.indicator == "critical"
    assert "6.8" in low.summary
    zol = by_topic("safety-zoledronic", Topic.BMA_SAFETY)
    assert len(zol) == 2  # CrCl 22.5 < 30 and creatinine up 1.2 from 1.1
    assert all(c.indicator == "warning" for c in zol)


# --- content loading -------------------------------------------------------------------


def test_content_loads_every_topic() -> None:
    content = load_content(get_settings().cards_dir)
    assert {t for t in Topic} == set(content.cards)


def test_content_is_loaded_once() -> None:
    assert get_content() is get_content()


@pytest.fixture
def cards_copy(tmp_path: Path) -> Path:
    target = tmp_path / "cards"
    shutil.copytree(get_settings().cards_dir, target)
    return target


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        pytest.param(
            "hypercalcemia.yaml",
            "topic: hypercalcemia",
            "topic: nonsense",
            "topic",
            id="unknown-topic",
        ),
        pytest.param(
            "hypercalcemia.yaml",
            "{{ e.calcium.time|day }}",
            "{{ e.calcium.time|day ",
            "template",
            id="template-syntax-error",
        ),
        pytest.param(
            "hypercalcemia.yaml",
            "not-relevant,",
            "made-up,",
            "override reasons",
            id="unknown-override-reason",
        ),
        pytest.param(
            "bma-safety.yaml",
            "  denosumab-low-calcium:",
            "  denosumab-low-calcium-x:",
            "variants",
            id="missing-variant",
        ),
        pytest.param(
            "_common.yaml", "    severe: severe\n", "", "labels.severity", id="missing-label"
        ),
        pytest.param("hypercalcemia.yaml", "source:", "source: [", "cannot read", id="bad-yaml"),
    ],
)
def test_bad_content_fails_clearly(
    cards_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    path = cards_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CardContentError, match=message):
        load_content(cards_copy)


def test_missing_card_file_fails(cards_copy: Path) -> None:
    (cards_copy / "bma-safety.yaml").unlink()
    with pytest.raises(CardContentError, match="bma-safety"):
        load_content(cards_copy)


def test_workup_summary_names_each_trigger_with_its_value_and_fits_in_the_worst_case() -> None:
    """Every kind of trigger at once, with long values and comparators: still < 140."""
    worst = facts(
        labs=[
            lab(Analyte.ALP, "12345.6", 2, comparator=">="),
            lab(Analyte.BONE_ALP, "999.9", 2, high="40"),
            lab(Analyte.TOTAL_CALCIUM, "13.99", 1, comparator=">="),
            lab(Analyte.ALBUMIN, "1.1", 1),
        ],
        conditions=[
            BREAST_CANCER,
            condition(ConditionKind.BONE_PAIN, days_ago=3),
            condition(ConditionKind.PATHOLOGICAL_FRACTURE, days_ago=3),
        ],
    )
    (card,) = [
        c
        for c in render_cards(evaluate_patient_view(worst, NOW), patient_id=PATIENT_ID)
        if c.topic == Topic.BONE_METASTASIS_WORKUP
    ]
    assert len(card.summary) < 140
    for words in ("ALP >=12345.6 U/L", "calcium", "bone pain", "pathological fracture"):
        assert words in card.summary


def test_an_over_long_summary_falls_back_to_the_short_display(tmp_path: Path) -> None:
    """A content edit that overflows the summary must not fail the chart open."""
    shutil.copytree(get_settings().cards_dir, tmp_path / "cards")
    path = tmp_path / "cards" / "hypercalcemia.yaml"
    text = path.read_text()
    path.write_text(text.replace("summary: >-\n", "summary: >-\n  " + "x" * 150 + " ", 1))
    content = load_content(tmp_path / "cards")
    findings = evaluate_patient_view(SCENARIOS["hypercalcemia-and-workup"], NOW)
    cards = render_cards(findings, patient_id=PATIENT_ID, content=content)
    (card,) = [c for c in cards if c.topic == Topic.HYPERCALCEMIA]
    assert card.summary == "Hypercalcemia in a breast cancer patient: see details"
    assert "13.2" in (card.detail or "")

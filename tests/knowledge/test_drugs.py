from __future__ import annotations

from decimal import Decimal

import pytest

from cds_service.knowledge import drugs


@pytest.mark.parametrize(
    ("text", "agent", "dose", "intent"),
    [
        ("1.7 ML denosumab 70 MG/ML Injection", drugs.DENOSUMAB, "119.0", drugs.ONCOLOGY),
        ("1 ML denosumab 60 MG/ML Prefilled Syringe", drugs.DENOSUMAB, "60", drugs.OSTEOPOROSIS),
        ("Xgeva", drugs.DENOSUMAB, "120", drugs.ONCOLOGY),
        ("Wyost 120 mg", drugs.DENOSUMAB, "120", drugs.ONCOLOGY),
        ("Jubbonti", drugs.DENOSUMAB, "60", drugs.OSTEOPOROSIS),
        ("denosumab", drugs.DENOSUMAB, None, drugs.UNKNOWN),
        ("zoledronic acid 4 MG Injection", drugs.ZOLEDRONIC_ACID, "4", drugs.ONCOLOGY),
        ("zoledronic acid 5 MG", drugs.ZOLEDRONIC_ACID, "5", drugs.OSTEOPOROSIS),
        ("Zometa", drugs.ZOLEDRONIC_ACID, "4", drugs.ONCOLOGY),
        ("Reclast", drugs.ZOLEDRONIC_ACID, "5", drugs.OSTEOPOROSIS),
        ("pamidronate disodium 90 MG", drugs.PAMIDRONATE, "90", drugs.ONCOLOGY),
        ("ibandronate", drugs.IBANDRONATE, None, drugs.UNKNOWN),
        ("ibandronate 150 MG Oral Tablet", drugs.IBANDRONATE, "150", drugs.OSTEOPOROSIS),
        ("3 ML ibandronic acid 1 MG/ML Prefilled Syringe", drugs.IBANDRONATE, "3", drugs.UNKNOWN),
        ("alendronic acid 70 MG Oral Tablet", drugs.ALENDRONATE, "70", drugs.OSTEOPOROSIS),
        ("Actonel", drugs.RISEDRONATE, None, drugs.OSTEOPOROSIS),
    ],
)
def test_classify_product(text, agent, dose, intent):
    product = drugs.classify_product(text)
    assert product is not None
    assert product.agent == agent
    assert product.dose_mg == (Decimal(dose) if dose else None)
    assert product.intent == intent


@pytest.mark.parametrize("text", ["leucovorin calcium 50 MG", "calcitriol", "acetaminophen"])
def test_not_a_bma(text):
    assert drugs.classify_product(text) is None


@pytest.mark.parametrize(
    ("agent", "dose", "intent"),
    [
        (drugs.DENOSUMAB, "119", drugs.ONCOLOGY),
        (drugs.DENOSUMAB, "120", drugs.ONCOLOGY),
        (drugs.DENOSUMAB, "60", drugs.OSTEOPOROSIS),
        (drugs.DENOSUMAB, "90", drugs.UNKNOWN),
        (drugs.ZOLEDRONIC_ACID, "3.3", drugs.ONCOLOGY),  # renally adjusted Zometa
        (drugs.ZOLEDRONIC_ACID, "5", drugs.OSTEOPOROSIS),
        (drugs.ZOLEDRONIC_ACID, "2", drugs.UNKNOWN),
    ],
)
def test_intent_for_dose(agent, dose, intent):
    assert drugs.intent_for_dose(agent, Decimal(dose)) == intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "calcium carbonate 500 MG / cholecalciferol 400 UNT Oral Tablet",
            {drugs.CALCIUM, drugs.VITAMIN_D},
        ),
        ("Calcium Citrate", {drugs.CALCIUM}),
        ("Vitamin D3 1000 IU", {drugs.VITAMIN_D}),
        ("ergocalciferol 50000 UNT", {drugs.VITAMIN_D}),
        ("leucovorin calcium 10 MG/ML", set()),
        ("calcium folinate", set()),
    ],
)
def test_supplements(text, expected):
    assert drugs.supplements_named(text) == expected

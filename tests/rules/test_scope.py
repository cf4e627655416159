"""§1 scope: breast cancer (history included), not deceased."""

from __future__ import annotations

import pytest

from cds_service.facts.model import Analyte, ConditionKind
from cds_service.rules import evaluate_patient_view
from tests.rules.factories import BREAST_CANCER, NOW, condition, facts, lab

HIGH_CALCIUM = lab(Analyte.TOTAL_CALCIUM, "12.5", 1)


@pytest.mark.parametrize(
    ("conditions", "deceased", "cards"),
    [
        pytest.param((BREAST_CANCER,), False, 2, id="breast-cancer-history-in-scope"),
        pytest.param((BREAST_CANCER,), True, 0, id="deceased-no-cards"),
        pytest.param((), False, 0, id="no-breast-cancer-no-cards"),
        pytest.param(
            (condition(ConditionKind.BONE_METASTASIS),), False, 0, id="bone-mets-without-breast"
        ),
    ],
)
def test_scope(conditions: tuple, deceased: bool, cards: int) -> None:
    found = evaluate_patient_view(
        facts(labs=[HIGH_CALCIUM], conditions=conditions, deceased=deceased), NOW
    )
    assert len(found) == cards

"""§3.3 spinal cord compression: kinds, 14-day window, back pain + red flag."""

from __future__ import annotations

import pytest

from cds_service.facts.model import ConditionKind
from cds_service.rules import spinal_cord_compression as scc
from cds_service.rules.findings import Indicator
from tests.rules.factories import BREAST_CANCER, NOW, condition, facts

K = ConditionKind


@pytest.mark.parametrize(
    ("conditions", "fires"),
    [
        pytest.param(
            [condition(K.CORD_COMPRESSION_NEOPLASTIC, days_ago=14)], True, id="mscc-14-days"
        ),
        pytest.param(
            [condition(K.CORD_COMPRESSION_NEOPLASTIC, days_ago=14.01)],
            False,
            id="mscc-just-over-14-days",
        ),
        pytest.param(
            [condition(K.CORD_COMPRESSION_UNSTATED, days_ago=1)], True, id="unstated-cause"
        ),
        pytest.param(
            [condition(K.CORD_COMPRESSION_UNSTATED, days_ago=1, active=False)], False, id="resolved"
        ),
        pytest.param([condition(K.CORD_COMPRESSION_UNSTATED, days_ago=None)], False, id="undated"),
        pytest.param([condition(K.BACK_PAIN, days_ago=2)], False, id="back-pain-alone"),
        pytest.param([condition(K.NEURO_RED_FLAG, days_ago=2)], False, id="red-flag-alone"),
        pytest.param(
            [condition(K.BACK_PAIN, days_ago=2), condition(K.NEURO_RED_FLAG, days_ago=14)],
            True,
            id="back-pain-and-red-flag-14-days",
        ),
        pytest.param(
            [condition(K.BACK_PAIN, days_ago=2), condition(K.NEURO_RED_FLAG, days_ago=14.01)],
            False,
            id="red-flag-just-over-14-days",
        ),
    ],
)
def test_when(conditions: list, fires: bool) -> None:
    finding = scc.evaluate(facts(conditions=[BREAST_CANCER, *conditions]), NOW)
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.indicator is Indicator.CRITICAL
        (suggestion,) = finding.suggestions
        assert suggestion.orders[0].stat

"""The benchmark generator and in-process harness run (no timing is asserted here)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from benchmarks.generate import SIZES, count_observations, hook_request, patient_bundle
from benchmarks.inprocess import Evaluator, interleaved_medians

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_sizes_have_the_observations_they_promise() -> None:
    for size in ("S", "M"):
        bundle = patient_bundle(size, NOW)
        kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
        assert kinds.count("Observation") == SIZES[size].observations
    assert count_observations(hook_request(patient_bundle("M", NOW))) < SIZES["M"].observations


def test_the_m_patient_is_in_scope_and_gets_a_card(tmp_path: Path) -> None:
    evaluate = Evaluator(NOW, tmp_path)
    try:
        body = orjson.dumps(hook_request(patient_bundle("M", NOW)))
        cards = orjson.loads(evaluate(body))["cards"]
        parse, full, runs = interleaved_medians(body, evaluate, rounds=2, budget=0)
    finally:
        evaluate.close()
    assert cards
    assert parse > 0 and full > 0 and runs == 2

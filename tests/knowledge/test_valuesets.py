from __future__ import annotations

import json
from pathlib import Path

import pytest

from cds_service.knowledge.valuesets import ALL_OIDS, load_all, value_set

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "valuesets"


def test_every_packaged_value_set_loads():
    loaded = load_all()
    assert len(loaded) == len(ALL_OIDS)
    for vs in loaded:
        assert vs.url.endswith(vs.oid)
        assert vs.version
        assert len(vs) > 0


def test_unknown_value_set_is_a_key_error():
    with pytest.raises(KeyError):
        value_set("1.2.3")


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/valuesets not present")
@pytest.mark.parametrize("oid", ALL_OIDS)
def test_packaged_copy_matches_vsac_expansion(oid):
    source = json.loads((SHARED / f"ValueSet-{oid}.json").read_text())
    expected = {(c["system"], c["code"]) for c in source["expansion"]["contains"]}
    packaged = value_set(oid)
    assert packaged.version == source["version"]
    assert packaged.url == source["url"]
    assert all(pair in packaged for pair in expected)
    assert len(packaged) == len(expected)

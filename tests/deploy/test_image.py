"""The Dockerfile, and what its final stage runs: the wheel alone, several workers.

Docker does not run here. The Dockerfile is checked for the properties the image must
have; then the wheel is built as its builder stage builds it, and `cds-service serve`
runs from that wheel alone (not from this checkout) with the image's environment:
two uvicorn workers sharing their metrics through PROMETHEUS_MULTIPROC_DIR.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.conftest import REPO, SETTING_VARIABLES, serving
from tests.ops.support import closed_port

DOCKERFILE = (REPO / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [line.strip() for line in joined.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def image_environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for op, args in final_stage():
        if op == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    return env


def test_multi_stage_with_a_slim_final_stage() -> None:
    steps = instructions()
    froms = [args for op, args in steps if op == "FROM"]
    assert len(froms) >= 2
    assert froms[0].split()[-1] == "builder"
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE
    assert froms[-1] == "${PYTHON_IMAGE}"


def test_final_stage_installs_only_wheels_and_no_build_tools() -> None:
    final = " ".join(args for _, args in final_stage())
    assert "--no-index" in final
    assert "--find-links=/wheels" in final
    for tool in ("apt-get", "gcc", "build-essential", "COPY . "):
        assert tool not in final


def test_runs_as_a_non_root_user() -> None:
    users = [args for op, args in final_stage() if op == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


def test_healthcheck_and_command() -> None:
    final = dict(final_stage())
    assert "/healthz" in final["HEALTHCHECK"]
    assert "curl" not in final["HEALTHCHECK"]
    assert final["CMD"] == '["cds-service", "serve"]'
    env = image_environment()
    assert env["CDS_PORT"] == final["EXPOSE"]
    assert {key for key in env if key.startswith("CDS_")} <= SETTING_VARIABLES
    assert "PROMETHEUS_MULTIPROC_DIR" in env


def test_the_build_context_holds_what_the_builder_copies() -> None:
    allowed = [
        line[1:].rstrip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for op, args in instructions():
        if op == "COPY" and "--from" not in args:
            *sources, _ = args.split()
            for source in sources:
                assert (REPO / source).exists(), source
                assert source.rstrip("/") in allowed, f"{source} is excluded by .dockerignore"


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project wheel, built offline as the builder stage does, unpacked."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(out), str(REPO)],
        check=True, timeout=300,
    )  # fmt: skip
    (wheel,) = out.glob("cds_service-*.whl")
    site = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert any(n.startswith("cds_service/_content/cards/") and n.endswith(".yaml") for n in names)
    assert any(n.startswith("cds_service/knowledge/valuesets/") for n in names)
    return site


def wheel_environment(site: Path, tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env.update(PYTHONPATH=str(site), CDS_DATA_DIR=str(tmp / "data"), **extra)
    return env


def test_the_wheel_finds_its_packaged_cards(wheel_site: Path, tmp_path: Path) -> None:
    probe = "import cds_service.settings as s; print(s.__file__); print(s.Settings().cards_dir)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path, env=wheel_environment(wheel_site, tmp_path),
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    module, cards = result.stdout.split()
    assert Path(module).is_relative_to(wheel_site)
    assert Path(cards) == wheel_site / "cds_service" / "_content" / "cards"


@pytest.fixture
def served_from_wheel(wheel_site: Path, tmp_path: Path) -> Iterator[str]:
    """`cds-service serve` from the wheel: two workers, shared metrics, auth off."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # serve must clear it
    env = wheel_environment(
        wheel_site, tmp_path,
        CDS_HOST="127.0.0.1", CDS_PORT=str(closed_port()), CDS_WORKERS="2",
        CDS_AUTH_DISABLED="true", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )  # fmt: skip
    with serving(env, tmp_path) as base:
        assert not (metrics_dir / "counter_999999.db").exists(), "stale metrics kept"
        yield base


def hook_400s(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "cds_hook_requests_total" and sample.labels["status"] == "400":
                return sample.value
    return 0.0


def test_workers_share_their_metrics(served_from_wheel: str) -> None:
    url = f"{served_from_wheel}/cds-services/bone-metastasis-advisor"
    calls = 12
    for _ in range(calls):  # a new connection each: the kernel spreads them over workers
        with httpx.Client(timeout=10) as client:
            assert client.post(url, json={"hook": "patient-view"}).status_code == 400
    for _ in range(6):  # whichever worker answers, it reports every worker's calls
        with httpx.Client(timeout=10) as client:
            assert hook_400s(client.get(f"{served_from_wheel}/metrics").text) == calls

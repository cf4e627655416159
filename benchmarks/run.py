"""`make bench`: every measurement side by side in one run, printed and written to BENCHMARKS.md.

    .venv/bin/python -m benchmarks.run [--quick] [--output BENCHMARKS.md]

1. In-process evaluation per size (S, M, L, XL), alternated with `orjson.loads` of the
   same body: their ratio is the distance to the parse limit.
2. HTTP on the M request, one uvicorn worker each: the service against a baseline app
   that only parses the body (wrk when installed, else an httpx client).
3. The fetch path: no prefetch, the M patient loaded into the real FHIR test server.
4. Peak memory of the XL request (tracemalloc, in a fresh subprocess).

Then the targets, met or not, and a pyinstrument profile of the L evaluation.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.fhir_server import load_transaction, running_fhir_server
from benchmarks.generate import SIZES, count_observations, hook_request, patient_bundle
from benchmarks.inprocess import Evaluator, interleaved_medians
from cds_service.errors import PrefetchUnavailable

ROOT = Path(__file__).resolve().parents[1]
SERVICE_PATH = "/cds-services/bone-metastasis-advisor"
ANALYSIS_MARKER = "<!-- analysis: kept across runs -->"


@dataclass
class Row:
    size: str
    observations: int
    in_request: int
    body_bytes: int
    parse_ms: float
    eval_ms: float
    runs: int

    @property
    def ratio(self) -> float:
        return self.eval_ms / self.parse_ms


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": str(os.cpu_count()),
        "CPU": cpu,
        "memory": mem,
        "Python": platform.python_version(),
        "OS": platform.platform(),
        "load average (1 min) at start": f"{os.getloadavg()[0]:.2f}",
    }


# --- 1. in process -------------------------------------------------------------------


def in_process(bodies: dict[str, bytes], observations: dict[str, int], now: datetime, quick: bool):
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as data_dir:
        evaluate = Evaluator(now, Path(data_dir))
        try:
            for size, body in bodies.items():
                rounds = 3 if size == "XL" else 7
                budget = (2.0 if quick else 6.0) if size != "XL" else (3.0 if quick else 12.0)
                parse, full, runs = interleaved_medians(
                    body, evaluate, rounds=rounds, budget=budget
                )
                in_request = count_observations(orjson.loads(body))
                rows.append(
                    Row(
                        size,
                        observations[size],
                        in_request,
                        len(body),
                        parse * 1e3,
                        full * 1e3,
                        runs,
                    )
                )
                print(f"  {size}: eval {full * 1e3:.1f} ms, parse {parse * 1e3:.2f} ms", flush=True)
        finally:
            evaluate.close()
    return rows


# --- 2. HTTP ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn_app(factory: str, now: datetime, data_dir: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "BENCH_NOW": now.isoformat(), "BENCH_DATA_DIR": data_dir}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    # stderr off: wrk stops mid-request at the end, which uvicorn logs as a traceback.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Load:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str


_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(text)
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def load_with_wrk(name: str, url: str, body_file: Path, seconds: int, connections: int) -> Load:
    wrk = shutil.which("wrk")
    assert wrk is not None
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
        "-s", str(Path(__file__).with_name("post.lua")), url,
    ]  # fmt: skip
    out = subprocess.run(
        command, env={**os.environ, "BENCH_BODY": str(body_file)}, capture_output=True,
        text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    error_count = int(non2xx.group(1)) if non2xx else 0
    if errors:
        error_count += sum(int(g) for g in errors.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Load(
        name, rps, _wrk_ms(percentiles["50"]), _wrk_ms(percentiles["99"]), total, error_count,
        f"wrk -t1 -c{connections} -d{seconds}s",
    )  # fmt: skip


def load_with_httpx(name: str, url: str, body: bytes, seconds: int, connections: int) -> Load:
    async def run() -> tuple[list[float], int]:
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds
        headers = {"Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=10) as client:

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    response = await client.post(url, content=body, headers=headers)
                    latencies.append(time.perf_counter() - started)
                    errors += response.status_code != 200

            await asyncio.gather(*(worker() for _ in range(connections)))
        return latencies, errors

    started = time.perf_counter()
    latencies, errors = asyncio.run(run())
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Load(
        name,
        len(latencies) / elapsed,
        statistics.median(latencies) * 1e3,
        latencies[int(len(latencies) * 0.99) - 1] * 1e3,
        len(latencies),
        errors,
        f"httpx async client, {connections} connections, {seconds} s (wrk not installed)",
    )


def http_load(body: bytes, now: datetime, quick: bool) -> list[Load]:
    seconds, connections = (4 if quick else 10), 4
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp) / "m.json"
        body_file.write_bytes(body)
        for name, factory in (
            ("baseline (orjson.loads + fixed card)", "benchmarks.apps:baseline_app"),
            ("service", "benchmarks.apps:service_app"),
        ):
            with uvicorn_app(factory, now, tmp) as base:
                url = base + SERVICE_PATH
                check = httpx.post(url, content=body, timeout=30)
                if check.status_code != 200:
                    raise RuntimeError(f"{name} answered {check.status_code}: {check.text[:300]}")
                if shutil.which("wrk"):
                    load = load_with_wrk(name, url, body_file, seconds, connections)
                else:
                    load = load_with_httpx(name, url, body, seconds, connections)
            print(f"  {name}: {load.requests_per_second:.0f} req/s", flush=True)
            results.append(load)
    return results


# --- 3. fetch path ----------------------------------------------------------------------


@dataclass
class Fetch:
    median_ms: float
    p90_ms: float
    runs: int
    cards: int
    fetched_observations: int
    default_budget: str


def fetch_path(bundle: dict[str, Any], now: datetime, quick: bool) -> Fetch | str:
    with running_fhir_server() as base_url:
        if base_url is None:
            return "skipped: node and npm are needed for tests/fhir_server"
        load_transaction(base_url, bundle)
        patient_id = bundle["entry"][0]["resource"]["id"]
        body = orjson.dumps(
            {
                "hook": "patient-view",
                "hookInstance": "5c8f7a1e-2d4b-4c7e-9a51-0d1b2c3e4f50",
                "fhirServer": base_url,
                "context": {"patientId": patient_id, "userId": "Practitioner/bench"},
            }
        )
        with tempfile.TemporaryDirectory() as data_dir:
            # At the service's default budget first: does the call make it in time?
            default = Evaluator(now, Path(data_dir), fetch=True)
            try:
                default(body)
                within_default = "answered within the default budget"
            except PrefetchUnavailable:
                within_default = (
                    f"answered 412 at the default {default.settings.fhir_time_budget_seconds:g} s "
                    "budget (the test server is slower than that); timed with a 60 s budget"
                )
            finally:
                default.close()
            evaluate = Evaluator(now, Path(data_dir), fetch=True, budget_seconds=60)
            try:
                answer = orjson.loads(evaluate(body))
                times = []
                for _ in range(5 if quick else 15):
                    started = time.perf_counter()
                    evaluate(body)
                    times.append(time.perf_counter() - started)
                fetched = evaluate.fetched_observations(body)
            finally:
                evaluate.close()
    times.sort()
    return Fetch(
        statistics.median(times) * 1e3,
        times[int(len(times) * 0.9) - 1] * 1e3,
        len(times),
        len(answer["cards"]),
        fetched,
        within_default,
    )


# --- 4. memory ----------------------------------------------------------------------------


def memory_child(body_path: str, now_iso: str) -> None:
    """Run in a fresh interpreter: the peak Python allocation of one XL evaluation."""
    import tracemalloc

    body = Path(body_path).read_bytes()
    with tempfile.TemporaryDirectory() as data_dir:
        evaluate = Evaluator(datetime.fromisoformat(now_iso), Path(data_dir))
        evaluate(Path(body_path).with_suffix(".small").read_bytes())  # imports, caches
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        evaluate(body)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        base_loads, _ = tracemalloc.get_traced_memory()
        orjson.loads(body)
        _, peak_loads = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        evaluate.close()
    result = {"peak": peak - base, "loads": peak_loads - base_loads, "body": len(body)}
    sys.stdout.write(orjson.dumps(result).decode())


def peak_memory(body: bytes, small: bytes, now: datetime) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "xl.json"
        path.write_bytes(body)
        path.with_suffix(".small").write_bytes(small)
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.run", "--memory-child", str(path), now.isoformat()],
            cwd=ROOT, capture_output=True, check=False, timeout=300,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"memory measurement failed:\n{done.stderr.decode()[-3000:]}")
    result: dict[str, int] = orjson.loads(done.stdout)
    return result


# --- profile ----------------------------------------------------------------------------------


def profile(body: bytes, now: datetime, runs: int) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument not installed: `pip install -e '.[bench]'`)"
    with tempfile.TemporaryDirectory() as data_dir:
        evaluate = Evaluator(now, Path(data_dir))
        evaluate(body)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(runs):
            evaluate(body)
        profiler.stop()
        evaluate.close()
    return profiler.output_text(unicode=False, color=False, show_all=False)


# --- report -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter runs (smoke test)")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--skip", action="append", default=[], choices=["http", "fetch", "memory"])
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return

    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    info = machine()
    print("generating patients", flush=True)
    bundles = {size: patient_bundle(size, now) for size in SIZES}
    bodies = {size: orjson.dumps(hook_request(bundles[size])) for size in SIZES}
    observations = {
        size: sum(1 for e in b["entry"] if e["resource"]["resourceType"] == "Observation")
        for size, b in bundles.items()
    }
    # The generated patients stay alive for the whole run: keep the cyclic GC from
    # walking them during every measurement (a service process holds no such heap).
    gc.collect()
    gc.freeze()
    print("in-process evaluation", flush=True)
    rows = in_process(bodies, observations, now, args.quick)
    loads: list[Load] = []
    if "http" not in args.skip:
        print("HTTP load (M)", flush=True)
        loads = http_load(bodies["M"], now, args.quick)
    fetch: Fetch | str = "skipped"
    if "fetch" not in args.skip:
        print("fetch path (M, FHIR test server)", flush=True)
        fetch = fetch_path(bundles["M"], now, args.quick)
    memory: dict[str, int] | None = None
    if "memory" not in args.skip:
        print("peak memory (XL)", flush=True)
        memory = peak_memory(bodies["XL"], bodies["S"], now)
    print("profiling L", flush=True)
    prof = profile(bodies["L"], now, 3 if args.quick else 10)

    report = render(info, rows, loads, fetch, memory, prof, args, time.perf_counter() - started)
    output = Path(args.output)
    # Hand-written analysis below the marker survives a re-run.
    previous = output.read_text() if output.exists() else ""
    if ANALYSIS_MARKER in previous:
        report += "\n" + previous[previous.index(ANALYSIS_MARKER) :]
    output.write_text(report)
    print(report.split("## Profile")[0])
    print(f"written to {args.output}")


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(
    info: dict[str, str],
    rows: list[Row],
    loads: list[Load],
    fetch: Fetch | str,
    memory: dict[str, int] | None,
    prof: str,
    args: argparse.Namespace,
    elapsed: float,
) -> str:
    by = {r.size: r for r in rows}
    command = "make bench" + ("  (python -m benchmarks.run --quick)" if args.quick else "")
    out = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`benchmarks/run.py`); do not edit by hand: re-run it.",
        "Every figure below comes from one run, so ratios compare like with like.",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in info.items()),
        f"- command: `{command}` ({elapsed:.0f} s)",
        "",
        "## In-process evaluation (parse + request + facts + rules + cards + JSON)",
        "",
        "Median of alternated runs; `orjson.loads` is of the same body (the parse limit).",
        "Observations: the patient's, then those in the request (each prefetch template",
        "answered as a FHIR server would: by code, whole history).",
        "",
        "| size | observations (patient / request) | body | orjson.loads | evaluation | ratio "
        "| runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.size} | {r.observations} / {r.in_request} | {r.body_bytes / 1024:,.0f} KiB | "
            f"{r.parse_ms:.2f} ms | {r.eval_ms:.1f} ms | {r.ratio:.1f}x | {r.runs} |"
        )
    out += ["", "## HTTP, M request, one uvicorn worker each", ""]
    if loads:
        out += [
            "| app | req/s | p50 | p99 | requests | errors | load generator |",
            "|---|---|---|---|---|---|---|",
        ]
        for load in loads:
            out.append(
                f"| {load.name} | {load.requests_per_second:.0f} | {load.p50_ms:.1f} ms | "
                f"{load.p99_ms:.1f} ms | {load.requests} | {load.errors} | {load.tool} |"
            )
    else:
        out.append("skipped")
    out += ["", "## Fetch path (no prefetch; M patient in tests/fhir_server)", ""]
    if isinstance(fetch, Fetch):
        out.append(
            f"median {fetch.median_ms:.1f} ms, p90 {fetch.p90_ms:.1f} ms over {fetch.runs} calls "
            f"(14 queries, concurrent; {fetch.fetched_observations} Observations fetched; "
            f"{fetch.cards} card(s)); {fetch.default_budget}."
        )
    else:
        out.append(fetch)
    out += ["", "## Peak memory, XL request", ""]
    if memory:
        out.append(
            f"tracemalloc peak above idle: {memory['peak'] / 2**20:.1f} MiB for a "
            f"{memory['body'] / 2**20:.1f} MiB body ({memory['peak'] / memory['body']:.1f}x); "
            f"`orjson.loads` of that body alone peaks at {memory['loads'] / 2**20:.1f} MiB "
            f"({memory['loads'] / memory['body']:.1f}x): Python objects for parsed JSON."
        )
    else:
        out.append("skipped")

    out += ["", "## Targets", "", "| target | figure | status |", "|---|---|---|"]
    for size in ("L", "XL"):
        if size in by:
            r = by[size]
            status = _mark(r.ratio <= 3)
            out.append(f"| evaluation ≤ 3 × orjson.loads, {size} | {r.ratio:.1f}x | {status} |")
    if len(loads) == 2:
        share = loads[1].requests_per_second / loads[0].requests_per_second
        out.append(
            f"| HTTP throughput on M ≥ 50 % of baseline | {share:.0%} | {_mark(share >= 0.5)} |"
        )
    if "L" in by and "XL" in by:
        growth = by["XL"].eval_ms / by["L"].eval_ms
        out.append(f"| XL time / L time ≤ 12 | {growth:.1f} | {_mark(growth <= 12)} |")
    if memory:
        times = memory["peak"] / memory["body"]
        out.append(f"| XL peak memory ≤ 5 × body above idle | {times:.1f}x | {_mark(times <= 5)} |")
    out += ["", "## Profile: L evaluation (pyinstrument)", "", "```", prof.strip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    main()

"""`cds-service`: run the service, or evaluate a hook request or FHIR Bundle offline.

cds-service serve --host 127.0.0.1 --port 8000
cds-service evaluate fhir_fixtures/scenarios/calcium-12.0-moderate.json --now 2026-11-21T09:00:00Z
cds-service evaluate synthea-patient.json --patient 1234   # a Bundle: prefetch built from it
cds-service load-fixtures --fhir-server http://127.0.0.1:8080/fhir --wait 300   # demo data
cds-service db upgrade                                     # migrate the feedback/audit database
cds-service report --since 30d --format table|json|csv     # card acceptance and override rates
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer

from cds_service.clock import SystemClock
from cds_service.devtools.bundle_request import BundleError, hook_request_from_bundle
from cds_service.devtools.relative_dates import resolve
from cds_service.errors import ServiceError
from cds_service.observability.logging import configure_logging
from cds_service.protocol.fhir_client import FHIR_JSON, FhirClient
from cds_service.protocol.models import parse_hook_request
from cds_service.services.catalogue import default_services
from cds_service.services.dispatch import answer_hook
from cds_service.services.registry import ServiceRegistry
from cds_service.settings import get_settings

app = typer.Typer(help="CDS Hooks service for breast cancer bone metastasis.", no_args_is_help=True)
logger = logging.getLogger("cds_service.cli")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (CDS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CDS_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="uvicorn workers (CDS_WORKERS).")] = None,
) -> None:
    """Run the HTTP service with uvicorn."""
    import uvicorn

    settings = get_settings()
    configure_logging(settings.log_level)
    _reset_metrics_directory()
    uvicorn.run(
        "cds_service.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


def _reset_metrics_directory() -> None:
    """Start the workers' shared metric files afresh (see observability/metrics.py).

    Files of a previous run would be summed into this one's; this process's own files,
    created when the metrics were defined at import, are kept.
    """
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        if not stale.stem.endswith(f"_{os.getpid()}"):
            stale.unlink(missing_ok=True)


# --- demo data (deployment) ------------------------------------------------------------


@app.command("load-fixtures")
def load_fixtures(
    fhir_server: Annotated[str, typer.Option(help="FHIR R4 base URL to post the Bundles to.")],
    directory: Annotated[Path, typer.Option(help="Folder of transaction Bundles.")] = Path(
        "fhir_fixtures/patients"
    ),
    wait: Annotated[float, typer.Option(help="Seconds to wait for the server to start.")] = 0,
    now: Annotated[str | None, typer.Option(help="Relative dates anchor (ISO 8601).")] = None,
) -> None:
    """Post each transaction Bundle in DIRECTORY, its relative dates resolved against NOW."""
    moment, base = _parse_now(now), fhir_server.rstrip("/")
    bundles = sorted(directory.glob("*.json"))
    if not bundles:
        raise typer.BadParameter(f"no *.json Bundles in {directory}")
    with httpx.Client(timeout=60) as http:
        _wait_for_fhir(http, base, wait)
        for path in bundles:
            bundle = resolve(orjson.loads(path.read_bytes()), moment)
            answer = http.post(
                base, content=orjson.dumps(bundle), headers={"Content-Type": FHIR_JSON}
            )
            entries = answer.json().get("entry", []) if answer.status_code == 200 else []
            if answer.status_code != 200 or not all(
                str(entry.get("response", {}).get("status", "")).startswith("2")
                for entry in entries
            ):
                typer.echo(f"error: {path.name}: HTTP {answer.status_code}", err=True)
                raise typer.Exit(code=1)
            typer.echo(f"{path.name}: {len(entries)} resources loaded")


def _wait_for_fhir(http: httpx.Client, base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if http.get(f"{base}/metadata", headers={"Accept": FHIR_JSON}).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            typer.echo(f"error: {base}/metadata did not answer within {seconds:g} s", err=True)
            raise typer.Exit(code=1)
        time.sleep(2)


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return SystemClock().now()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO 8601 time: {value}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


FileArg = Annotated[Path, typer.Argument(help="A hook request JSON, or a FHIR Bundle.")]
PatientOpt = Annotated[str | None, typer.Option(help="Patient id, for a Bundle.")]
NowOpt = Annotated[str | None, typer.Option(help="Evaluation time (ISO 8601); default now.")]
ServiceOpt = Annotated[str, typer.Option(help="Service id.")]


def _hook_request(file: Path, patient: str | None, moment: datetime, target: Any) -> Any:
    """FILE as a hook request for `target`, relative dates resolved against `moment`."""
    try:
        data: Any = resolve(orjson.loads(file.read_bytes()), moment)
    except (OSError, orjson.JSONDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc}") from exc
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        data = hook_request_from_bundle(data, target.descriptor, patient_id=patient)
    return data


@app.command()
def request(
    file: FileArg,
    patient: PatientOpt = None,
    now: NowOpt = None,
    service: ServiceOpt = "bone-metastasis-advisor",
) -> None:
    """Print FILE as the hook request an EHR would send (dates resolved), e.g. for curl:
    `cds-service request FILE | curl -d @- -H 'content-type: application/json' URL`."""
    registry = ServiceRegistry(default_services(get_settings()))
    try:
        data = _hook_request(file, patient, _parse_now(now), registry.get(service))
    except (ServiceError, BundleError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


@app.command()
def evaluate(
    file: FileArg,
    patient: PatientOpt = None,
    now: NowOpt = None,
    service: ServiceOpt = "bone-metastasis-advisor",
) -> None:
    """Print the CDS Hooks response for FILE, evaluated in process."""
    settings = get_settings()
    configure_logging("WARNING")
    moment = _parse_now(now)
    registry = ServiceRegistry(default_services(settings))
    try:
        target = registry.get(service)
        request = parse_hook_request(_hook_request(file, patient, moment, target))
        response = asyncio.run(_answer(target, request, moment))
    except (ServiceError, BundleError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(orjson.dumps(orjson.loads(response), option=orjson.OPT_INDENT_2).decode())


async def _answer(target: Any, request: Any, moment: datetime) -> bytes:
    settings = get_settings()
    async with httpx.AsyncClient(timeout=settings.fhir_time_budget_seconds) as http:
        client = FhirClient(
            http,
            max_pages=settings.fhir_max_pages,
            max_response_bytes=settings.fhir_max_response_bytes,
        )
        response = await answer_hook(
            target, request, fhir_client=client, settings=settings, now=moment
        )
    return response.to_json()


# --- feedback/audit store (cds_service/store) -----------------------------------------

db_app = typer.Typer(help="The feedback and audit database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database (CDS_DATABASE_URL, or SQLite in CDS_DATA_DIR) to the latest schema."""
    from cds_service.store.migrate import upgrade_database

    configure_logging("WARNING")
    revision, where = asyncio.run(upgrade_database(get_settings()))
    typer.echo(f"{where}: schema at revision {revision}")


@app.command()
def report(
    since: Annotated[str, typer.Option(help="30d, 12h, 2w or an ISO 8601 date.")] = "30d",
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Cards issued, accepted and overridden per service, topic and indicator."""
    from rich.console import Console
    from sqlalchemy.exc import SQLAlchemyError

    from cds_service.store.report import FORMATS, parse_since, run_report

    configure_logging("WARNING")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    try:
        start = parse_since(since, now=SystemClock().now())
    except ValueError as exc:
        raise typer.BadParameter(f"--since: not 30d/12h/2w or an ISO date: {since}") from exc
    try:
        asyncio.run(run_report(get_settings(), since=start, fmt=fmt, console=Console()))
    except (SQLAlchemyError, OSError) as exc:
        typer.echo(
            f"error: cannot read the database ({type(exc).__name__}); "
            "run `cds-service db upgrade` first?",
            err=True,
        )
        raise typer.Exit(code=1) from exc


def main() -> None:
    app()

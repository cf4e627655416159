"""docker-compose.yml: valid by the Compose specification, and wired to this repository.

Docker does not run here, so these tests check what `docker compose config` and a
first `up` would find wrong: schema errors, settings the service does not have, ports
that disagree, files that are not in the repository, missing healthchecks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cds_service.app import create_app
from cds_service.protocol.issuers import load_trusted_issuers
from cds_service.settings import Settings, production_problems
from tests.deploy.conftest import REPO, SETTING_VARIABLES, interpolate
from tests.ops.support import TwoCardService

SCHEMA = Path(__file__).with_name("compose-spec.json")  # from check-jsonschema 0.39.0

# Services that may lack a healthcheck, and why.
NO_HEALTHCHECK = {
    "fhir": "hapiproject/hapi is distroless (no shell or HTTP client); fhir-loader waits",
    "fhir-loader": "one-shot: depended on with service_completed_successfully",
}
SERVICE = "cds-service"


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def test_valid_by_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(compose), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message}" for e in errors)


def test_the_expected_services_are_there(compose: dict[str, Any]) -> None:
    assert {SERVICE, "postgres", "fhir", "fhir-loader"} <= services(compose).keys()
    assert services(compose)["fhir"]["image"].startswith("hapiproject/hapi:")
    assert services(compose)["fhir"]["environment"]["hapi.fhir.fhir_version"] == "R4"


def test_every_cds_variable_is_a_setting(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        unknown = {key for key in environment(service) if key.startswith("CDS_")}
        unknown -= SETTING_VARIABLES
        assert not unknown, f"{name}: {sorted(unknown)} are not Settings fields"


def test_the_published_port_is_the_one_the_service_listens_on(compose: dict[str, Any]) -> None:
    service = services(compose)[SERVICE]
    port = environment(service).get("CDS_PORT", str(Settings.model_fields["port"].default))
    targets = [str(mapping).rsplit(":", 1)[-1] for mapping in service["ports"]]
    assert targets == [port]
    probe = " ".join(service["healthcheck"]["test"])
    assert "CDS_PORT" in probe or f":{port}/" in probe


def test_build_contexts_and_dockerfiles_exist(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        build = service.get("build")
        if build is None:
            continue
        context = REPO / (build if isinstance(build, str) else build.get("context", "."))
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        assert (context / dockerfile).is_file(), f"{name}: {context / dockerfile} missing"


def test_bind_mounts_name_files_in_the_repository(compose: dict[str, Any]) -> None:
    named = set((compose.get("volumes") or {}).keys())
    for name, service in services(compose).items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name}: {source} is not in the repository"
            else:
                assert source in named, f"{name}: volume {source} is not declared"


def test_long_running_services_have_healthchecks(compose: dict[str, Any]) -> None:
    for name, service in services(compose).items():
        check = service.get("healthcheck") or {}
        if name in NO_HEALTHCHECK:
            continue
        assert check.get("test") and not check.get("disable"), f"{name}: no healthcheck"


def test_dependencies_wait_for_health_or_completion(compose: dict[str, Any]) -> None:
    all_services = services(compose)
    conditions = {
        (name, dependency): spec["condition"]
        for name, service in all_services.items()
        for dependency, spec in (service.get("depends_on") or {}).items()
    }
    assert conditions[(SERVICE, "postgres")] == "service_healthy"
    assert conditions[(SERVICE, "fhir-loader")] == "service_completed_successfully"
    for (name, dependency), condition in conditions.items():
        target = all_services[dependency]
        if condition == "service_healthy":
            assert target.get("healthcheck", {}).get("test"), f"{name} waits on {dependency}"
        if condition == "service_completed_successfully":
            assert target.get("restart") == "no", f"{dependency} must be one-shot"


def test_the_loader_reads_the_demo_patients(compose: dict[str, Any]) -> None:
    loader = services(compose)["fhir-loader"]
    command = " ".join(loader["command"])
    assert "load-fixtures" in command
    mounts = {v.split(":")[1]: v.split(":")[0] for v in loader["volumes"]}
    directory = command.split("--directory=")[1].split()[0]
    assert mounts[directory] == "./fhir_fixtures/patients"
    assert sorted((REPO / "fhir_fixtures" / "patients").glob("*.json"))


def composed_settings(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The service's Settings read from the environment compose would give it, with the
    mounted files mapped back to the repository and required secrets filled in."""
    service = services(compose)[SERVICE]
    supplied = {"CDS_AUDIT_HMAC_SECRET": "a-test-secret-0123456789abcdef0123456789"}
    values = {key: interpolate(value, supplied) for key, value in environment(service).items()}
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    values["CDS_TRUSTED_ISSUERS_FILE"] = str(REPO / mounts[values["CDS_TRUSTED_ISSUERS_FILE"]])
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_the_composed_service_would_start_in_production_mode(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = composed_settings(compose, monkeypatch)
    assert settings.production
    assert not settings.auth_disabled
    assert settings.database_url is not None
    assert settings.database_url.startswith("postgresql://")
    assert production_problems(settings) == []
    assert load_trusted_issuers(settings.trusted_issuers_file)  # type: ignore[arg-type]
    # What uvicorn's factory does in each worker (the real services are tested elsewhere).
    create_app(settings, services=[TwoCardService()])


def test_the_audit_secret_must_be_supplied(compose: dict[str, Any]) -> None:
    secret = environment(services(compose)[SERVICE])["CDS_AUDIT_HMAC_SECRET"]
    with pytest.raises(KeyError, match="CDS_AUDIT_HMAC_SECRET"):
        interpolate(secret, {})

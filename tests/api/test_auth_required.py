"""The assembled app requires the EHR's JWT on every CDS Hooks route by default."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from prometheus_client.parser import text_string_to_metric_families

from tests.support.app import make_settings, running_client
from tests.support.jwks_server import JwksServer

BASE = "http://cds.test"
ISSUER = "https://ehr.test/fhir"
ES_KEY = ec.generate_private_key(ec.SECP384R1())
RS_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: Any, alg: str, kid: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.ECAlgorithm if alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
    return {**algorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": alg}


@pytest.fixture
def issuers_file(tmp_path: Path) -> Iterator[Path]:
    with JwksServer() as server:
        url = server.publish(
            "/jwks.json", {"keys": [_jwk(ES_KEY, "ES384", "es"), _jwk(RS_KEY, "RS384", "rs")]}
        )
        path = tmp_path / "issuers.yaml"
        path.write_text(f"issuers:\n  - iss: {ISSUER}\n    jwks_url: {url}\n")
        yield path


def token(path: str, *, key: Any = ES_KEY, alg: str = "ES384", kid: str = "es") -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": BASE + path,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


@pytest.mark.parametrize("path", ["/cds-services"])
async def test_no_token_is_401_with_www_authenticate_and_no_detail(
    tmp_path: Path, issuers_file: Path, path: str
) -> None:
    settings = make_settings(
        tmp_path, auth_disabled=False, trusted_issuers_file=issuers_file, public_base_url=BASE
    )
    async with running_client(settings) as client:
        response = await client.get(path)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["issue"][0]["diagnostics"] == "Authentication required"
        hook = await client.post("/cds-services/bone-metastasis-advisor", json={})
        assert hook.status_code == 401  # refused before the body is even read


@pytest.mark.parametrize(("key", "alg", "kid"), [(ES_KEY, "ES384", "es"), (RS_KEY, "RS384", "rs")])
async def test_a_valid_token_passes_once(
    tmp_path: Path, issuers_file: Path, key: Any, alg: str, kid: str
) -> None:
    settings = make_settings(
        tmp_path, auth_disabled=False, trusted_issuers_file=issuers_file, public_base_url=BASE
    )
    async with running_client(settings) as client:
        signed = token("/cds-services", key=key, alg=alg, kid=kid)
        headers = {"Authorization": f"Bearer {signed}"}
        assert (await client.get("/cds-services", headers=headers)).status_code == 200
        assert (await client.get("/cds-services", headers=headers)).status_code == 401  # replay


async def test_a_token_for_another_endpoint_is_refused(tmp_path: Path, issuers_file: Path) -> None:
    settings = make_settings(
        tmp_path, auth_disabled=False, trusted_issuers_file=issuers_file, public_base_url=BASE
    )
    async with running_client(settings) as client:
        signed = token("/cds-services/bone-metastasis-advisor")
        response = await client.get("/cds-services", headers={"Authorization": f"Bearer {signed}"})
        assert response.status_code == 401


def _auth_failures(metrics_text: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "cds_auth_failures_total":
                counts[sample.labels["reason"]] = sample.value
    return counts


async def test_refusals_are_counted_by_reason_on_metrics(
    tmp_path: Path, issuers_file: Path
) -> None:
    settings = make_settings(
        tmp_path, auth_disabled=False, trusted_issuers_file=issuers_file, public_base_url=BASE
    )
    async with running_client(settings) as client:
        before = _auth_failures((await client.get("/metrics")).text)
        await client.get("/cds-services")  # no token
        signed = token("/cds-services")
        await client.get("/cds-services", headers={"Authorization": f"Bearer {signed}"})
        await client.get("/cds-services", headers={"Authorization": f"Bearer {signed}"})
        after = _auth_failures((await client.get("/metrics")).text)
    grew = {reason: after[reason] - before.get(reason, 0.0) for reason in after}
    assert grew.get("missing_token") == 1
    assert grew.get("replayed") == 1
    assert sum(grew.values()) == 2

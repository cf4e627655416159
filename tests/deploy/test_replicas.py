"""Two replicas on one PostgreSQL refuse each other's replayed JWTs.

Two real `cds-service serve` processes on loopback ports, as behind a load balancer
(one `CDS_PUBLIC_BASE_URL`, so one `aud`), share the test session's PostgreSQL. A
token used once at replica A must be refused at replica B.
"""

from __future__ import annotations

import json
import os
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec

from tests.deploy.conftest import serving
from tests.ops.support import closed_port
from tests.store.conftest import postgres_url  # noqa: F401 - the session's PostgreSQL

PUBLIC_BASE_URL = "https://cds.test"  # the load balancer's address: the JWT's audience
ISSUER = "https://ehr.test/fhir"
KID = "replica-test-1"


@pytest.fixture
def signing_key(tmp_path: Path) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    (tmp_path / "ehr-jwks.json").write_text(
        json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "ES384"}]})
    )
    issuers = {"issuers": [{"iss": ISSUER, "jwks_file": "ehr-jwks.json", "algorithms": ["ES384"]}]}
    (tmp_path / "trusted-issuers.yaml").write_text(yaml.safe_dump(issuers))
    return key


def token(key: ec.EllipticCurvePrivateKey, audience: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": KID, "typ": "JWT"})


def replica_environment(tmp_path: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env.update(
        CDS_HOST="127.0.0.1",
        CDS_PORT=str(closed_port()),
        CDS_WORKERS="1",
        CDS_AUTH_DISABLED="false",
        CDS_TRUSTED_ISSUERS_FILE=str(tmp_path / "trusted-issuers.yaml"),
        CDS_PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        CDS_DATABASE_URL=database,
        CDS_DATA_DIR=str(tmp_path / "data"),
    )
    return env


@pytest.mark.postgres
def test_a_token_used_at_one_replica_is_refused_at_the_other(
    tmp_path: Path,
    postgres_url: str,  # noqa: F811 - the fixture imported above
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    with ExitStack() as replicas:
        a = replicas.enter_context(serving(replica_environment(tmp_path, postgres_url), tmp_path))
        b = replicas.enter_context(serving(replica_environment(tmp_path, postgres_url), tmp_path))
        jwt_once = token(signing_key, audience=PUBLIC_BASE_URL + "/cds-services")
        bearer = {"Authorization": f"Bearer {jwt_once}"}
        first = httpx.get(f"{a}/cds-services", headers=bearer, timeout=10)
        if first.status_code != 200:
            pytest.fail(f"replica A refused a fresh token: {first.status_code} {first.text}")
        again_at_a = httpx.get(f"{a}/cds-services", headers=bearer, timeout=10)
        if again_at_a.status_code != 401:
            pytest.fail(f"replica A accepted its own replay: {again_at_a.status_code}")
        at_b = httpx.get(f"{b}/cds-services", headers=bearer, timeout=10)
        assert at_b.status_code == 401, "replica B accepted a token already used at replica A"

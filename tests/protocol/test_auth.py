"""JWT verification as CDS Hooks 2.0 "Trusting CDS Clients" asks, through a real app.

Keys are generated here and served as JWK Sets by a real HTTP server on 127.0.0.1;
the spec's own example token (hl7_33 header, hl7_34 payload, hl7_35 JWK Set, hl7_36
private key) is signed and verified with a frozen clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from cds_service.api.security import CallerDep, require_jwt
from cds_service.errors import Unauthorized
from cds_service.protocol.auth import AuthConfigurationError, build_verifier
from cds_service.settings import Settings
from tests.support.app import SHARED
from tests.support.jwks_server import JwksServer

SPEC_EXAMPLES = SHARED / "data" / "cds-hooks-spec-examples"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASE = "https://cds.test"
SERVICE_PATH = "/cds-services/bone-metastasis-advisor"
AUD = BASE + SERVICE_PATH
EHR = "https://ehr.test/fhir"  # the trusted issuer's `iss`
JWKS_PATH = "/ehr/jwks.json"


# --- keys and tokens -------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """A private key and what a JWKS would publish for it."""

    alg: str
    kid: str
    private_key: Any

    @property
    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        algorithm = (
            jwt.algorithms.ECAlgorithm if self.alg[:2] == "ES" else jwt.algorithms.RSAAlgorithm
        )
        jwk: dict[str, Any] = algorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.alg}

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(  # type: ignore[no-any-return]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _signer(alg: str, kid: str) -> Signer:
    curves = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1()}
    if alg in curves:
        return Signer(alg, kid, ec.generate_private_key(curves[alg]))
    return Signer(alg, kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))


ES384 = _signer("ES384", "es384-1")
RS384 = _signer("RS384", "rs384-1")
ES256 = _signer("ES256", "es256-1")
RS256 = _signer("RS256", "rs256-1")
ROTATED = _signer("ES384", "es384-2")
IMPOSTOR = _signer("ES384", "es384-1")  # same kid as ES384, different key


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": EHR,
        "aud": AUD,
        "exp": int((NOW + timedelta(minutes=5)).timestamp()),
        "iat": int(NOW.timestamp()),
        "jti": str(uuid.uuid4()),
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def sign(signer: Signer, payload: dict[str, Any] | None = None, **header: Any) -> str:
    headers = {"typ": "JWT", "kid": signer.kid, **header}
    return jwt.encode(
        payload or claims(), signer.private_key, algorithm=signer.alg, headers=headers
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS built by hand, for tokens PyJWT refuses to make."""
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    return head + "." + _b64(signature)


# --- harness -------------------------------------------------------------------------


class FakeClock:
    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant

    def advance(self, seconds: float) -> None:
        self.instant += timedelta(seconds=seconds)


def _unauthorized(request: Request, exc: Exception) -> JSONResponse:
    # Stands in for the app's handler: 401, WWW-Authenticate, no detail.
    return JSONResponse({}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def tiny_app(settings: Settings, *, clock: FakeClock, **verifier_options: Any) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings
    app.state.jwt_verifier = build_verifier(settings, clock=clock, **verifier_options)
    app.add_exception_handler(Unauthorized, _unauthorized)

    @app.get("/cds-services", dependencies=[Depends(require_jwt)])
    async def discovery() -> dict[str, list[str]]:
        return {"services": []}

    @app.post("/cds-services/{service_id}")
    async def call(service_id: str, caller: CallerDep) -> dict[str, str | None]:
        if caller is None:  # auth disabled
            return {"iss": None, "tenant": None}
        return {"iss": caller.issuer, "tenant": caller.tenant}

    return app


@pytest.fixture
def server() -> Iterator[JwksServer]:
    with JwksServer() as running:
        running.publish(JWKS_PATH, {"keys": [ES384.public_jwk, RS384.public_jwk]})
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def make_client(
    tmp_path: Path, server: JwksServer, clock: FakeClock
) -> AsyncIterator[Client]:
    """`make_client(issuers=[...], **settings)` → an httpx client on a fresh app."""
    clients: list[httpx.AsyncClient] = []

    def make(
        issuers: list[dict[str, Any]] | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **settings: Any,
    ) -> httpx.AsyncClient:
        if issuers is None:
            issuers = [{"iss": EHR, "jwks_url": server.base_url + JWKS_PATH}]
        path = tmp_path / "trusted-issuers.yaml"
        path.write_text(yaml.safe_dump({"issuers": issuers}))
        options: dict[str, Any] = {
            "trusted_issuers_file": path,
            "public_base_url": None,
            "jwks_refresh_min_interval_seconds": 60.0,
            "jwt_leeway_seconds": 60,
            "auth_disabled": False,
            "production": False,
            "workers": 1,
        }
        app = tiny_app(Settings(**{**options, **settings}), clock=clock, transport=transport)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def call(client: httpx.AsyncClient, token: str | None, path: str = SERVICE_PATH) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = await client.post(path, json={}, headers=headers)
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    return response.status_code


# --- the spec's own example ----------------------------------------------------------


def _spec(name: str) -> Any:
    return json.loads((SPEC_EXAMPLES / f"{name}.json").read_text())


@pytest.mark.skipif(not SPEC_EXAMPLES.is_dir(), reason="../shared (beside the checkout) is missing")
@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(1422568860 - 60, 200, id="before-exp"),
        pytest.param(1422568860 + 60, 200, id="exp-plus-60s-leeway"),
        pytest.param(1422568860 + 61, 401, id="exp-plus-61s"),
    ],
)
async def test_spec_example_token_verifies_with_the_spec_jwks(
    make_client: Client, clock: FakeClock, at: int, expected: int
) -> None:
    header, payload, jwks, private = (_spec(f"hl7_{n}") for n in (33, 34, 35, 36))
    token = jwt.encode(payload, jwt.PyJWK(private).key, algorithm="ES384", headers=header)

    def ehr(request: httpx.Request) -> httpx.Response:  # the spec's jku is not reachable
        assert str(request.url) == header["jku"]
        return httpx.Response(200, json=jwks)

    clock.instant = datetime.fromtimestamp(at, UTC)
    issuer = {"iss": payload["iss"], "jku_allowlist": [header["jku"]], "tenant": payload["tenant"]}
    client = make_client(
        [issuer], public_base_url="https://cds.example.org", transport=httpx.MockTransport(ehr)
    )
    assert await call(client, token, "/cds-services/some-service") == expected


# --- tokens that pass ----------------------------------------------------------------


@pytest.mark.parametrize("signer", [ES384, RS384], ids=["ES384", "RS384"])
async def test_recommended_algorithms_pass(make_client: Client, signer: Signer) -> None:
    client = make_client()
    response = await client.post(
        SERVICE_PATH, json={}, headers={"Authorization": f"Bearer {sign(signer)}"}
    )
    assert response.status_code == 200
    assert response.json()["iss"] == EHR


async def test_discovery_needs_its_own_audience(make_client: Client) -> None:
    client = make_client()
    good = sign(ES384, claims(aud=BASE + "/cds-services"))
    wrong = sign(ES384, claims())  # minted for the service endpoint, not discovery
    assert (
        await client.get("/cds-services", headers={"Authorization": f"Bearer {good}"})
    ).status_code == 200
    assert (
        await client.get("/cds-services", headers={"Authorization": f"Bearer {wrong}"})
    ).status_code == 401


async def test_audience_as_a_list_containing_the_url_passes(make_client: Client) -> None:
    assert await call(make_client(), sign(ES384, claims(aud=[AUD]))) == 200


@pytest.mark.parametrize("signer", [ES256, RS256], ids=["ES256", "RS256"])
async def test_sha256_algorithms_pass_only_where_configured(
    make_client: Client, server: JwksServer, signer: Signer
) -> None:
    url = server.publish("/ehr/all.json", {"keys": [ES256.public_jwk, RS256.public_jwk]})
    default = make_client([{"iss": EHR, "jwks_url": url}])
    assert await call(default, sign(signer)) == 401
    configured = make_client([{"iss": EHR, "jwks_url": url, "algorithms": ["ES256", "RS256"]}])
    assert await call(configured, sign(signer)) == 200


async def test_allowlisted_jku_is_fetched(make_client: Client, server: JwksServer) -> None:
    jku = server.publish("/ehr/jku.json", {"keys": [ES384.public_jwk]})
    client = make_client([{"iss": EHR, "jku_allowlist": [jku]}])
    assert await call(client, sign(ES384, jku=jku)) == 200
    assert server.hits["/ehr/jku.json"] == 1


async def test_local_jwks_file(make_client: Client, tmp_path: Path) -> None:
    (tmp_path / "ehr-jwks.json").write_text(json.dumps({"keys": [RS384.public_jwk]}))
    client = make_client([{"iss": EHR, "jwks_file": "ehr-jwks.json"}])  # beside the file
    assert await call(client, sign(RS384)) == 200


async def test_auth_disabled_passes_without_a_token(make_client: Client) -> None:
    client = make_client(auth_disabled=True, trusted_issuers_file=None)
    response = await client.post(SERVICE_PATH, json={})
    assert response.status_code == 200
    assert response.json() == {"iss": None, "tenant": None}


# --- tokens that are refused ---------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearer a.b",
        "Bearer not.a.jwt",
        "Bearer x y",
        "Token abc.def.ghi",
    ],
)
async def test_missing_or_malformed_authorization_is_refused(
    make_client: Client, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await make_client().post(SERVICE_PATH, json={}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.content == b"{}"  # no detail for the caller


@pytest.mark.parametrize(
    ("exp_offset", "expected"),
    [
        pytest.param(-61, 401, id="expired-61s-ago"),
        pytest.param(-60, 200, id="expired-60s-ago-leeway"),
    ],
)
async def test_expiry_with_leeway(make_client: Client, exp_offset: int, expected: int) -> None:
    exp = int(NOW.timestamp()) + exp_offset
    token = sign(ES384, claims(exp=exp, iat=exp - 300))
    assert await call(make_client(), token) == expected


@pytest.mark.parametrize(
    ("nbf_offset", "expected"),
    [
        pytest.param(30, 200, id="nbf-30s-ahead-within-leeway"),
        pytest.param(120, 401, id="nbf-120s-ahead"),
    ],
)
async def test_not_before_with_leeway(make_client: Client, nbf_offset: int, expected: int) -> None:
    token = sign(ES384, claims(nbf=int(NOW.timestamp()) + nbf_offset))
    assert await call(make_client(), token) == expected


@pytest.mark.parametrize(
    ("iat_offset", "expected"),
    [pytest.param(60, 200, id="iat-60s-ahead"), pytest.param(61, 401, id="iat-61s-ahead")],
)
async def test_issued_at_in_the_future(make_client: Client, iat_offset: int, expected: int) -> None:
    token = sign(ES384, claims(iat=int(NOW.timestamp()) + iat_offset))
    assert await call(make_client(), token) == expected


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "aud", "iss"])
async def test_required_claims(make_client: Client, missing: str) -> None:
    assert await call(make_client(), sign(ES384, claims(**{missing: None}))) == 401


async def test_replayed_jti_is_refused(make_client: Client) -> None:
    client = make_client()
    token = sign(ES384)
    assert await call(client, token) == 200
    assert await call(client, token) == 401
    again = sign(RS384, claims(jti=jwt.decode(token, options={"verify_signature": False})["jti"]))
    assert await call(client, again) == 401  # same jti, freshly signed: still a replay


async def test_a_jti_may_return_after_its_token_expired(
    make_client: Client, clock: FakeClock
) -> None:
    client = make_client()
    assert await call(client, sign(ES384, claims(jti="once"))) == 200
    clock.advance(5 * 60 + 61)
    later = int(clock.now().timestamp())
    assert await call(client, sign(ES384, claims(jti="once", iat=later, exp=later + 300))) == 200


async def test_signature_by_another_key_is_refused(make_client: Client) -> None:
    assert await call(make_client(), sign(IMPOSTOR)) == 401


@pytest.mark.parametrize(
    "aud",
    [
        BASE + "/cds-services/other-service",
        AUD + "/",
        "http://cds.test" + SERVICE_PATH,
        ["https://elsewhere.test/cds-services"],
    ],
)
async def test_wrong_audience_is_refused(make_client: Client, aud: Any) -> None:
    assert await call(make_client(), sign(ES384, claims(aud=aud))) == 401


async def test_public_base_url_sets_the_audience(make_client: Client) -> None:
    client = make_client(public_base_url="https://cds.example.org")
    assert await call(client, sign(ES384)) == 401
    assert (
        await call(client, sign(ES384, claims(aud="https://cds.example.org" + SERVICE_PATH))) == 200
    )


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_refused(make_client: Client, server: JwksServer, alg: str) -> None:
    token = unsigned({"alg": alg, "typ": "JWT", "kid": ES384.kid}, claims())
    assert await call(make_client(), token) == 401
    assert server.hits[JWKS_PATH] == 0


@pytest.mark.parametrize("alg", ["HS256", "HS384"])
async def test_hmac_with_the_public_key_as_secret_is_refused(
    make_client: Client, server: JwksServer, alg: str
) -> None:
    """The key-confusion attack: HMAC keyed with the EHR's public key bytes."""
    header = {"alg": alg, "typ": "JWT", "kid": RS384.kid}
    body = unsigned(header, claims()).rsplit(".", 1)[0]
    digest = hashlib.sha256 if alg == "HS256" else hashlib.sha384
    signature = hmac.new(RS384.public_pem, body.encode(), digest).digest()
    # Even an issuer whose file tries to allow HMAC cannot load (see the config tests).
    assert await call(make_client(), body + "." + _b64(signature)) == 401
    assert server.hits[JWKS_PATH] == 0


async def test_jku_off_the_allowlist_is_refused_and_never_fetched(
    make_client: Client, server: JwksServer
) -> None:
    evil = _signer("ES384", "evil")
    evil_jku = server.publish("/attacker/jwks.json", {"keys": [evil.public_jwk]})
    allowed = server.publish("/ehr/jku.json", {"keys": [ES384.public_jwk]})
    client = make_client(
        [{"iss": EHR, "jwks_url": server.base_url + JWKS_PATH, "jku_allowlist": [allowed]}]
    )
    assert await call(client, sign(evil, jku=evil_jku)) == 401
    assert await call(client, sign(evil, jku=allowed + "?x=1")) == 401
    assert server.hits["/attacker/jwks.json"] == 0


async def test_unknown_issuer_is_refused(make_client: Client) -> None:
    assert await call(make_client(), sign(ES384, claims(iss="https://other-ehr.test"))) == 401


async def test_tenant_pinned_by_the_issuer(make_client: Client, server: JwksServer) -> None:
    client = make_client(
        [{"iss": EHR, "jwks_url": server.base_url + JWKS_PATH, "tenant": "hospital-a"}]
    )
    assert await call(client, sign(ES384, claims(tenant="hospital-a"))) == 200
    assert await call(client, sign(ES384, claims(tenant="hospital-b"))) == 401
    assert await call(client, sign(ES384)) == 401


async def test_key_of_the_wrong_type_for_alg_is_refused(
    make_client: Client, server: JwksServer
) -> None:
    # An RS384-signed token whose kid names the EC key.
    token = sign(RS384, kid=ES384.kid)
    assert await call(make_client(), token) == 401


async def test_unknown_kid_refreshes_once_per_interval(
    make_client: Client, server: JwksServer, clock: FakeClock
) -> None:
    client = make_client()
    assert await call(client, sign(ES384)) == 200
    assert server.hits[JWKS_PATH] == 1

    server.publish(JWKS_PATH, {"keys": [ES384.public_jwk, ROTATED.public_jwk]})  # rotation
    clock.advance(10)
    assert await call(client, sign(ROTATED, claims(iat=int(clock.now().timestamp())))) == 401
    assert server.hits[JWKS_PATH] == 1  # rate-limited: no fetch 10 s after the last one

    clock.advance(51)
    assert await call(client, sign(ROTATED, claims(iat=int(clock.now().timestamp())))) == 200
    assert server.hits[JWKS_PATH] == 2  # the refresh picked up the rotated key

    unknown = _signer("ES384", "never-published")
    for _ in range(5):
        assert await call(client, sign(unknown, claims(iat=int(clock.now().timestamp())))) == 401
    assert server.hits[JWKS_PATH] == 2  # made-up kids do not hammer the EHR


async def test_unreachable_or_oversized_jwks_is_refused(
    make_client: Client, server: JwksServer
) -> None:
    missing = make_client([{"iss": EHR, "jwks_url": server.base_url + "/nowhere.json"}])
    assert await call(missing, sign(ES384)) == 401
    huge = server.publish("/ehr/huge.json", b'{"keys": [], "pad": "' + b"x" * 300_000 + b'"}')
    oversized = make_client([{"iss": EHR, "jwks_url": huge}])
    assert await call(oversized, sign(ES384)) == 401


# --- logging ---------------------------------------------------------------------------


async def test_reasons_are_logged_but_never_the_token(
    make_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client()
    tokens = [sign(ES384, claims(aud="https://elsewhere.test")), sign(IMPOSTOR), sign(ES384)]
    tokens.append(tokens[-1])  # replay
    for token in tokens:
        await call(client, token)
    reasons = [
        getattr(r, "reason", None) for r in caplog.records if r.name == "cds_service.api.security"
    ]
    assert "JWT aud is not the URL that was called" in reasons
    assert "JWT jti was already used (replay)" in reasons
    everything = caplog.text + " ".join(json.dumps(vars(r), default=str) for r in caplog.records)
    for token in tokens:
        assert token not in everything
        assert token.split(".")[2] not in everything  # not even the signature
        assert token.split(".")[1] not in everything  # nor the claims


# --- configuration ---------------------------------------------------------------------


def _settings(tmp_path: Path, issuers: Any, *, suffix: str = ".yaml", **options: Any) -> Settings:
    path = tmp_path / f"issuers{suffix}"
    path.write_text(json.dumps(issuers) if suffix == ".json" else yaml.safe_dump(issuers))
    options = {"auth_disabled": False, "production": False, **options}
    return Settings(trusted_issuers_file=path, **options)


@pytest.mark.parametrize(
    ("issuers", "problem"),
    [
        (
            {"issuers": [{"iss": EHR, "jwks_url": "https://e.test/k", "algorithms": ["HS256"]}]},
            "HS256",
        ),
        (
            {"issuers": [{"iss": EHR, "jwks_url": "https://e.test/k", "algorithms": ["none"]}]},
            "none",
        ),
        ({"issuers": [{"iss": EHR}]}, "no key source"),
        ({"issuers": [{"iss": EHR, "jwks_url": "http://e.test/k"}]}, "https"),
        ({"issuers": [{"iss": EHR, "jwks_url": "https://e.test/k", "jku_allow": []}]}, "jku_allow"),
        ({"issuers": [{"iss": EHR, "jwks_url": "https://e.test/k"}] * 2}, "listed twice"),
        ({"issuers": [{"iss": EHR, "jwks_file": "missing.json"}]}, "does not exist"),
        (["not", "a", "mapping"], "expected a mapping"),
    ],
)
def test_a_bad_issuers_file_stops_the_start(tmp_path: Path, issuers: Any, problem: str) -> None:
    with pytest.raises(AuthConfigurationError, match=problem):
        build_verifier(_settings(tmp_path, issuers))


def test_issuers_file_may_be_json(tmp_path: Path) -> None:
    issuers = {"issuers": [{"iss": EHR, "jwks_url": "https://e.test/k"}]}
    build_verifier(_settings(tmp_path, issuers, suffix=".json"))


def test_the_documented_example_file_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "trusted-issuers.example.yaml"
    build_verifier(Settings(trusted_issuers_file=example, auth_disabled=False, production=False))


def test_auth_needs_an_issuers_file() -> None:
    with pytest.raises(AuthConfigurationError, match="CDS_TRUSTED_ISSUERS_FILE"):
        build_verifier(Settings(trusted_issuers_file=None, auth_disabled=False))


def test_production_needs_a_public_base_url(tmp_path: Path) -> None:
    issuers = {"issuers": [{"iss": EHR, "jwks_url": "https://e.test/k"}]}
    with pytest.raises(AuthConfigurationError, match="CDS_PUBLIC_BASE_URL"):
        build_verifier(_settings(tmp_path, issuers, production=True))
    build_verifier(_settings(tmp_path, issuers, production=True, public_base_url=BASE))


@pytest.mark.parametrize("exp", [253402300799, 10**30, float("inf"), float("nan"), -1, True])
async def test_absurd_expiry_is_refused_not_crashed(make_client: Client, exp: Any) -> None:
    payload = claims()
    payload["exp"] = exp
    assert await call(make_client(), signed_by_hand(payload)) == 401


def signed_by_hand(payload: dict[str, Any]) -> str:
    """ES384-signed, with the payload serialised by hand (json allows inf/nan)."""
    header = {"alg": "ES384", "typ": "JWT", "kid": ES384.kid}
    body = unsigned(header, payload).rsplit(".", 1)[0]
    algorithm = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA384)
    return body + "." + _b64(algorithm.sign(body.encode(), ES384.private_key))


def test_auth_cannot_be_disabled_in_production() -> None:
    with pytest.raises(AuthConfigurationError, match="local demos only"):
        build_verifier(Settings(auth_disabled=True, production=True))


async def test_a_missing_verifier_fails_closed() -> None:
    app = FastAPI()
    app.state.settings = Settings(auth_disabled=False)

    @app.get("/cds-services", dependencies=[Depends(require_jwt)])
    async def discovery() -> dict[str, str]:
        return {}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        assert (await client.get("/cds-services")).status_code == 500

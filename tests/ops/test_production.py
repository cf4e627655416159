"""CDS_PRODUCTION=true refuses to start with an unsafe configuration, naming each problem."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from cds_service.app import create_app
from cds_service.settings import (
    DEFAULT_AUDIT_SECRET,
    InsecureConfiguration,
    Settings,
    production_problems,
)

SECRET = "0123456789abcdef0123456789abcdef"


def production(tmp_path: Path, **overrides: object) -> Settings:
    issuers = tmp_path / "trusted-issuers.yaml"
    issuers.write_text(
        yaml.safe_dump({"issuers": [{"iss": "https://ehr.test", "jwks_url": "https://ehr.test/k"}]})
    )
    values: dict[str, object] = {
        "production": True,
        "auth_disabled": False,
        "trusted_issuers_file": issuers,
        "public_base_url": "https://cds.example.org",
        "audit_hmac_secret": SECRET,
        "data_dir": tmp_path,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def read_only_directory(tmp_path: Path) -> Path:
    """A directory this process cannot write in (root ignores mode bits: use /proc/sys)."""
    if os.geteuid() != 0:
        directory = tmp_path / "read-only"
        directory.mkdir(mode=0o555)
        return directory
    directory = Path("/proc/sys")
    if os.access(directory, os.W_OK):
        pytest.skip("running as root with no read-only directory to point at")
    return directory


def test_a_safe_production_configuration_starts(tmp_path: Path) -> None:
    settings = production(tmp_path)
    assert production_problems(settings) == []
    create_app(settings)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"auth_disabled": True}, "CDS_AUTH_DISABLED"),
        ({"audit_hmac_secret": DEFAULT_AUDIT_SECRET}, "CDS_AUDIT_HMAC_SECRET"),
    ],
)
def test_an_unsafe_setting_stops_the_start(
    tmp_path: Path, overrides: dict[str, object], named: str
) -> None:
    with pytest.raises(InsecureConfiguration, match=named):
        create_app(production(tmp_path, **overrides))


def test_sqlite_on_a_read_only_path_stops_the_start(tmp_path: Path) -> None:
    read_only = read_only_directory(tmp_path)
    for overrides in (
        {"data_dir": read_only / "cds"},  # no URL: SQLite under CDS_DATA_DIR
        {"database_url": f"sqlite+aiosqlite:///{read_only}/cds.db"},
    ):
        with pytest.raises(InsecureConfiguration, match="read-only") as refused:
            create_app(production(tmp_path, **overrides))
        assert str(read_only) in str(refused.value)


def test_postgresql_needs_no_writable_data_dir(tmp_path: Path) -> None:
    read_only = read_only_directory(tmp_path)
    settings = production(
        tmp_path, data_dir=read_only, database_url="postgresql+psycopg://cds@db/cds"
    )
    assert production_problems(settings) == []


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    settings = production(tmp_path, auth_disabled=True, audit_hmac_secret=DEFAULT_AUDIT_SECRET)
    assert len(production_problems(settings)) == 2


def test_outside_production_nothing_is_refused(tmp_path: Path) -> None:
    settings = Settings(auth_disabled=True, data_dir=tmp_path)
    assert settings.audit_hmac_secret == DEFAULT_AUDIT_SECRET
    assert production_problems(settings) == []

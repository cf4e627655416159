"""README.md's settings table is exactly what Settings declares (scripts/settings_table.py)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from cds_service.settings import Settings
from tests.deploy.conftest import REPO


def settings_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "settings_table", REPO / "scripts" / "settings_table.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_table_matches_the_settings() -> None:
    script = settings_table()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert script.readme_with_table(readme) == readme, (
        "README.md settings table is stale: run .venv/bin/python scripts/settings_table.py --write"
    )


def test_every_setting_has_one_row_and_a_meaning() -> None:
    script = settings_table()
    rows = script.table().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == [
        f"CDS_{name.upper()}" for name in Settings.model_fields
    ]
    assert all(row.rstrip(" |").rsplit("|", 1)[-1].strip() for row in rows)
    assert script.stale_meanings() == []


def test_defaults_name_no_path_of_this_machine() -> None:
    table = settings_table().table()
    assert str(REPO) not in table

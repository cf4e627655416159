"""Shared fixtures. Real-server fixtures live in tests/support and are loaded here."""

pytest_plugins: list[str] = ["tests.support.app", "tests.support.fhir_server"]

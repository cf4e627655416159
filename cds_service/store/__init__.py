"""Persistence: the audit trail, feedback, alert-fatigue suppressions, JWT replay keys.

store.py        Store and running_store: what the app and CLI use
audit.py        patient hashing and the background audit writer
feedback.py     storing feedback idempotently; overrides start suppressions
suppression.py  which cards to withhold
replay.py       DatabaseReplayCache (ReplayCache shared by replicas)
report.py       `cds-service report`
engine.py       async engine for SQLite (default) or PostgreSQL
migrate.py      Alembic upgrade; migrations/ holds the revisions
schema.py       the tables
metrics.py      Prometheus counters and gauges
"""

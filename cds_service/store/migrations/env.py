"""Alembic environment. The service passes an open connection (see `store/migrate.py`);
run by hand (`alembic -x url=sqlite:///var/cds-service.sqlite3 revision --autogenerate`),
it connects to the given URL or `CDS_DATABASE_URL`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from cds_service.settings import Settings
from cds_service.store.engine import database_url
from cds_service.store.schema import metadata

_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    sync_url = database_url(Settings(database_url=url) if url else Settings())
    sync_url = sync_url.set(drivername=_SYNC_DRIVERS[sync_url.get_backend_name()])
    engine = create_engine(sync_url)
    try:
        with engine.begin() as conn:
            _configure(conn)
    finally:
        engine.dispose()


_run()

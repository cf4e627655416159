"""The two ASGI apps the HTTP benchmark loads, each served by one uvicorn worker.

    uvicorn --factory benchmarks.apps:service_app    # the real service, auth off
    uvicorn --factory benchmarks.apps:baseline_app   # the framework ceiling

The baseline reads the same body, parses it with orjson and answers one fixed card:
what FastAPI + uvicorn + orjson cost with no clinical work at all. The service's
clock is fixed at $BENCH_NOW (ISO 8601), the instant the request was generated for;
its audit store lives in $BENCH_DATA_DIR.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import orjson
from fastapi import FastAPI, Request
from starlette.responses import Response

from cds_service.app import create_app
from cds_service.clock import FixedClock
from cds_service.settings import Settings

_FIXED = orjson.dumps(
    {
        "cards": [
            {
                "uuid": "0f6b7c3e-7d7c-4d0c-9b7f-6f7f0c2b1a11",
                "summary": "Baseline card",
                "indicator": "info",
                "source": {"label": "benchmark baseline"},
            }
        ]
    }
)


def service_app() -> FastAPI:
    settings = Settings(auth_disabled=True, data_dir=Path(os.environ["BENCH_DATA_DIR"]))
    now = datetime.fromisoformat(os.environ["BENCH_NOW"])
    return create_app(settings, clock=FixedClock(now))


def baseline_app() -> FastAPI:
    app = FastAPI()

    @app.post("/cds-services/{service_id}")
    async def call(service_id: str, request: Request) -> Response:
        orjson.loads(await request.body())
        return Response(_FIXED, media_type="application/json")

    return app

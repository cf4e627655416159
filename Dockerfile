# syntax=docker/dockerfile:1
# The CDS Hooks service: a wheel built in one stage, installed alone in the next.
#
#   docker build -t cds-service .
#   docker run -p 8000:8000 -e CDS_AUTH_DISABLED=true cds-service    # local demo only
#
# Settings come from CDS_* environment variables (README, "Settings").

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: the project wheel and a wheel of every dependency --------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Only what the wheel is made of (hatchling reads README.md for the long description;
# cards/ is force-included as cds_service/_content/cards).
COPY pyproject.toml README.md ./
COPY cds_service ./cds_service
COPY cards ./cards
RUN pip wheel --wheel-dir /wheels .

# --- run: python:3.11-slim with the wheels installed; no compiler, no sources ----------
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels cds-service \
    && groupadd --system --gid 10001 cds \
    && useradd --system --uid 10001 --gid cds --home-dir /var/lib/cds-service \
       --shell /usr/sbin/nologin cds \
    && install -d -o cds -g cds -m 0750 /var/lib/cds-service /tmp/cds-metrics

# Listen on every interface inside the container; CDS_WORKERS uvicorn workers share
# their metrics through PROMETHEUS_MULTIPROC_DIR (emptied by `cds-service serve`).
ENV CDS_HOST=0.0.0.0 \
    CDS_PORT=8000 \
    CDS_WORKERS=2 \
    CDS_DATA_DIR=/var/lib/cds-service \
    PROMETHEUS_MULTIPROC_DIR=/tmp/cds-metrics

USER cds:cds
WORKDIR /var/lib/cds-service
VOLUME ["/var/lib/cds-service"]
EXPOSE 8000

# slim has no curl: ask /healthz with the standard library (non-2xx or no answer fails).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CDS_PORT', '8000'), timeout=4)"]

CMD ["cds-service", "serve"]

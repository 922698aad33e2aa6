# syntax=docker/dockerfile:1
# RecordHub image: wheels are built in the first stage; the runtime stage receives only a
# ready virtualenv, so no compiler, header or wheel cache ships.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
# Compilers are here only for dependencies without a wheel for the target platform; the
# version floats with the base image on purpose.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install --yes --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY service ./service
RUN pip wheel --wheel-dir /wheels . \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-index --find-links /wheels recordhub

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="recordhub" \
      org.opencontainers.image.description="Self-hosted record store speaking five hosted APIs' update dialects"
# DATA_DIR matters only without MONGODB_URI (embedded database); /tmp stays writable when
# the root filesystem is read-only.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/tmp/recordhub-data
# A fixed uid/gid, matching runAsUser in k8s/, so file ownership is predictable.
RUN groupadd --system --gid 10001 recordhub \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin recordhub
COPY --from=builder /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8080
# Exec form: python is PID 1 and receives SIGTERM itself, which starts the graceful shutdown.
ENTRYPOINT ["python", "-m", "service"]

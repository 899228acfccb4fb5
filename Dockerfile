# Kenes container image: two stages, so compilers never reach the image that runs.
#   docker build -t kenes .
#   docker run --rm -e KENES_TELEGRAM_TOKEN -v kenes-data:/var/lib/kenes kenes
# Versions come from constraints.txt, the same pins `make run` and `make test` install.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# Only in case a dependency has no wheel for this platform; this stage is thrown away.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/kenes
ENV PATH=/opt/kenes/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY constraints.txt pyproject.toml README.md ./
RUN mkdir bot cogs && touch bot/__init__.py cogs/__init__.py \
 && pip install -c constraints.txt '.[postgres,redis]' && pip uninstall -y kenes
COPY bot bot
COPY cogs cogs
COPY migrations migrations
COPY rules rules
# Editable, so the code, its migrations/ and the default rules stay one tree under /app.
RUN pip install --no-deps -c constraints.txt -e . && python -m compileall -q bot cogs migrations

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/kenes --create-home kenes
COPY --from=build /opt/kenes /opt/kenes
COPY --from=build /app /app
# The image's configuration: SQLite in the data volume unless KENES_DATABASE_URL says otherwise;
# rules beside it, so a bind mount of /etc/kenes/rules replaces them.
COPY deploy/config.toml /etc/kenes/config.toml
COPY rules /etc/kenes/rules
ENV PATH=/opt/kenes/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER kenes
WORKDIR /var/lib/kenes
VOLUME /var/lib/kenes
EXPOSE 8443
# The running bot touches /var/lib/kenes/heartbeat every 15 s (deploy/config.toml); older than a
# minute means its event loop is stuck or it stopped.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["kenes", "--config", "/etc/kenes/config.toml", "health"]
ENTRYPOINT ["kenes", "--config", "/etc/kenes/config.toml"]
CMD ["run"]

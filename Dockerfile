# desertion-api: the same steps as `make run`, on PostgreSQL or SQLite (DATABASE_URL).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /srv/desertion-api

# Dependencies first, so a code change does not reinstall them. The project itself is installed
# editable so that `desertion-api` finds pyproject.toml (alembic) and seed/ beside app/.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
COPY constraints.txt ./
RUN pip install -c constraints.txt .

COPY app/ app/
COPY migrations/ migrations/
COPY seed/ seed/
# PYTHONDONTWRITEBYTECODE (above) and a read-only app/ for the api user mean no bytecode is
# ever written at run time: compiled here once, a worker does not compile the ~70 modules of
# app/ from source each time it starts (issue 11: cold start; ~8% of its CPU).
RUN pip install --no-deps --editable . \
    && python -m compileall -q app \
    && useradd --system --uid 10001 --home-dir /srv/desertion-api api \
    && mkdir -p data && chown api data

USER api
EXPOSE 8000

# Migrate, load the seed (idempotent), then serve. In production prefer running
# `desertion-api migrate` as a separate release step before rolling out new workers.
CMD ["sh", "-c", "desertion-api migrate && desertion-api seed && exec desertion-api serve --host 0.0.0.0 --port ${PORT}"]

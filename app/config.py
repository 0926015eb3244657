"""Settings, read once from the environment (prefix ``DESERTION_``) and passed to ``create_app``."""

import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DESERTION_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'data' / 'desertion.db'}",
        # DATABASE_URL is what PaaS hosts and CI set; DESERTION_DATABASE_URL wins if both exist.
        validation_alias=AliasChoices("DESERTION_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    seed_dir: Path = Field(
        default=PROJECT_ROOT / "seed",
        description="Folder with articles/*.yaml and people.yaml, loaded by `desertion-api seed`.",
    )
    default_page_size: int = Field(default=50, ge=1, le=500)
    max_page_size: int = Field(default=500, ge=1)
    log_level: str = "info"
    # Bounded waiting: the server never waits on the database without a limit (issue 7).
    db_pool_size: int = Field(
        default=5, ge=1, description="Connections kept open per worker process."
    )
    db_max_overflow: int = Field(
        default=10, ge=0, description="Extra connections opened under load, closed when idle."
    )
    db_pool_timeout: float = Field(
        default=5.0, gt=0, description="Seconds a request may wait for a pooled connection."
    )
    db_connect_timeout: int = Field(
        default=3, ge=1, description="Seconds to open a database connection (or wait on a lock)."
    )
    db_statement_timeout: float = Field(
        default=10.0, gt=0, description="Seconds one SQL statement may run before it is cancelled."
    )
    queue_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a request waits for a free database slot (pool size + overflow) "
        "before it is answered 503 with Retry-After.",
    )
    stall_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a request may go without progress (no statement completed) before "
        "it is answered 503: a hung database gives a prompt 503, not a hang.",
    )
    retry_after: int = Field(
        default=5, ge=1, description="Seconds sent in Retry-After with every 503."
    )
    shutdown_timeout: int = Field(
        default=5,
        gt=0,
        description="`desertion-api serve`: seconds SIGTERM waits for in-flight requests.",
    )
    cache_control: str = Field(
        default="public, max-age=60, stale-while-revalidate=600",
        description="Cache-Control sent with every successful read under /v1.",
    )
    response_cache_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="Bytes of rendered responses each worker keeps, per request and data "
        "version, to answer repeated reads without a query (0: no response cache).",
    )
    export_cache_bytes: int = Field(
        default=2 * 1024**3,
        ge=0,
        description="Bytes of streamed exports (CSV, NDJSON) kept on disk per database, each "
        "under its request and data version, so a repeated export is a file sent rather than "
        "every row rendered again (0: no export cache).",
    )
    export_cache_dir: Path = Field(
        default=Path(tempfile.gettempdir()) / "desertion-exports",
        description="Folder of the export cache; each database gets a folder of its own in it. "
        "Workers of one machine share it. If another user can write to it, the cache stays off.",
    )
    facet_cache_entries: int = Field(
        default=256,
        ge=0,
        description="Facet counts each worker keeps, per statement and data version, so a "
        "repeated facet is not counted over every matching record again (0: none).",
    )
    cors_origins: list[str] = Field(
        default=["*"],
        description='Origins allowed to read the API from a browser (JSON list, ["*"] = any).',
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description="The URL clients reach the API at (with any path prefix a proxy adds); every "
        "absolute link the API emits starts with it, never with the request's Host header.",
    )

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        """An absolute http(s) URL with no query or fragment, kept without its trailing slash
        so that links are ``public_url + path``."""
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be an absolute http:// or https:// URL, e.g. https://api.example.org"
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must not carry a query, a fragment or credentials")
        return parts.geturl().rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()

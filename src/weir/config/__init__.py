"""Typed configuration: targets (profiles.yml / weir.yml) and weir's own settings.

Layering: file < profile < ``WEIR_<SECTION>__<KEY>`` environment < CLI flag.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from weir.errors import ConfigError

TableFormatName = Literal["delta", "iceberg", "duckdb"]


class StorageSettings(BaseModel):
    """Where an ``s3://`` warehouse's credentials come from: the *names* of environment
    variables (never the secrets themselves). Unset names fall back to AWS_*."""

    model_config = ConfigDict(extra="forbid")

    endpoint_env: str | None = None
    key_env: str | None = None
    secret_env: str | None = None
    token_env: str | None = None
    region: str | None = None
    allow_http: bool | None = None


class IcebergCatalogSettings(BaseModel):
    """The Iceberg catalog: ``sql`` (SQLite file in the project by default) or ``rest``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["sql", "rest"] = "sql"
    uri: str | None = None
    #: environment variable holding the REST catalog's OAuth credential (client_id:secret)
    credential_env: str | None = None
    #: environment variable holding a bearer token for the REST catalog
    token_env: str | None = None
    #: extra pyiceberg catalog properties (not secrets)
    properties: dict[str, str] = Field(default_factory=dict)


class Target(BaseModel):
    """Where and how a project's relations are computed and stored."""

    model_config = ConfigDict(extra="allow")

    name: str = "dev"
    type: str = "duckdb"
    schema_: str = Field("main", alias="schema")
    database: str = "weir"
    threads: int = 4
    # DuckDB catalog file holding views and pointers to lakehouse tables.
    path: str | None = None
    # Root folder (or s3:// URL) of the lakehouse tables.
    warehouse: str | None = None
    table_format: TableFormatName = "delta"
    storage: StorageSettings | None = None
    iceberg_catalog: IcebergCatalogSettings | None = None

    @field_validator("threads")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v < 1:
            raise ValueError("threads must be >= 1")
        return v

    @property
    def schema(self) -> str:  # type: ignore[override]
        return self.schema_

    def redacted(self) -> dict[str, Any]:
        """The target as a dict with secrets hidden, safe to log or put in Jinja's ``target``."""
        data = self.model_dump(by_alias=True)
        for key in list(data):
            if any(s in key.lower() for s in ("password", "secret", "token", "key")):
                data[key] = "***"
        return data


class OpenLineageSettings(BaseModel):
    """Where run events go: an HTTP endpoint (``url``; the env ``OPENLINEAGE_URL`` also works)
    and/or a JSON-lines ``file``. The API key is read from the variable ``api_key_env`` names."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    endpoint: str = "api/v1/lineage"
    api_key_env: str | None = None
    file: str | None = None
    #: job namespace (default: the project's name)
    namespace: str | None = None
    #: seconds a run waits at its end for queued events to be sent
    timeout: float = 5.0


class WeirSettings(BaseModel):
    """weir's own optional ``weir.yml`` at the project root."""

    model_config = ConfigDict(extra="forbid")

    target: str | None = None
    warehouse: str | None = None
    table_format: TableFormatName = "delta"
    storage: StorageSettings | None = None
    iceberg_catalog: IcebergCatalogSettings | None = None
    state: str | None = None  # ledger location: a file path or postgresql:// URL
    # write-audit-publish: error-severity tests run on staged rows before the commit
    gate: bool = True
    # per-run table metrics (row count, nulls, min/max/mean; "full" adds distinct counts)
    # and anomaly checks on them
    metrics: bool | Literal["full"] = True
    # orchestration: folders of pipeline files, named task pools (name -> slots), alert settings
    pipeline_paths: list[str] | None = Field(None, alias="pipeline-paths")
    # folders of @asset files (default ["assets"]; dbt_project.yml may set asset-paths too)
    asset_paths: list[str] | None = Field(None, alias="asset-paths")
    pools: dict[str, int] = Field(default_factory=dict)
    alerts: dict[str, Any] = Field(default_factory=dict)
    # OpenLineage run events (see docs/lineage.md)
    openlineage: OpenLineageSettings | None = None


def env_overrides(section: str) -> dict[str, str]:
    """Settings from ``WEIR_<SECTION>__<KEY>`` variables, keys lower-cased."""
    prefix = f"WEIR_{section.upper()}__"
    return {k[len(prefix):].lower(): v for k, v in os.environ.items() if k.startswith(prefix)}


def build_target(data: dict[str, Any], *, origin: str) -> Target:
    """Validate a target mapping, naming the file and key on error."""
    try:
        return Target.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid target setting {key!r}: {first['msg']}", path=origin) from None


def build_settings(data: dict[str, Any], *, origin: str) -> WeirSettings:
    try:
        return WeirSettings.model_validate({**data, **env_overrides("project")})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {key!r}: {first['msg']}", path=origin) from None

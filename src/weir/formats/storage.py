"""Object storage of a warehouse: S3 credentials resolved from the environment, handed to
delta-rs, pyiceberg and the embedded engine. Secrets stay in memory: never logged, never
in an error message, hidden in ``repr``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from weir.config import StorageSettings
from weir.errors import ConfigError

#: the environment variables read when weir.yml names none (the AWS SDKs' own names)
DEFAULTS = {
    "endpoint_env": "AWS_ENDPOINT_URL",
    "key_env": "AWS_ACCESS_KEY_ID",
    "secret_env": "AWS_SECRET_ACCESS_KEY",
    "token_env": "AWS_SESSION_TOKEN",
}


@dataclass(frozen=True)
class S3Storage:
    """Resolved S3 connection facts; the secret fields never show in ``repr``."""

    endpoint: str | None = None
    region: str | None = None
    allow_http: bool = False
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, settings: StorageSettings | None = None) -> S3Storage:
        """Read credentials from the variables ``settings`` names (AWS_* by default).

        A variable named explicitly in weir.yml must be set; the AWS defaults may be absent
        (an instance role or ~/.aws may supply them to delta-rs and pyarrow)."""
        settings = settings or StorageSettings()
        values: dict[str, str | None] = {}
        for key, default in DEFAULTS.items():
            named = getattr(settings, key)
            var = named or default
            value = os.environ.get(var) or None
            if named and value is None:
                raise ConfigError(f"storage.{key} names the environment variable {named}, which is not set",
                                  path="weir.yml", hint=f"export {named}=... before running weir")
            values[key] = value
        region = settings.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        allow = settings.allow_http
        if allow is None:
            allow = os.environ.get("AWS_ALLOW_HTTP", "").lower() in ("1", "true", "yes") or (
                (values["endpoint_env"] or "").startswith("http://"))
        return cls(endpoint=values["endpoint_env"], region=region, allow_http=bool(allow),
                   access_key=values["key_env"], secret_key=values["secret_env"],
                   session_token=values["token_env"])

    def delta_options(self) -> dict[str, str]:
        """``storage_options`` for delta-rs."""
        opts = {"AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": self.region,
                "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_SESSION_TOKEN": self.session_token}
        out = {k: v for k, v in opts.items() if v}
        if self.allow_http:
            out["AWS_ALLOW_HTTP"] = "true"
        if self.endpoint:  # S3-compatible stores (SeaweedFS, MinIO) have no DynamoDB lock
            out["AWS_S3_ALLOW_UNSAFE_RENAME"] = "true"
        return out

    def iceberg_properties(self) -> dict[str, str]:
        """FileIO properties for pyiceberg."""
        props = {"s3.endpoint": self.endpoint, "s3.region": self.region, "s3.access-key-id": self.access_key,
                 "s3.secret-access-key": self.secret_key, "s3.session-token": self.session_token}
        return {k: v for k, v in props.items() if v}

    def arrow_filesystem(self) -> Any:
        """A ``pyarrow.fs.S3FileSystem`` with these credentials."""
        import pyarrow.fs as pafs

        kw: dict[str, Any] = {"access_key": self.access_key, "secret_key": self.secret_key,
                              "session_token": self.session_token, "region": self.region}
        if self.endpoint:
            scheme, _, rest = self.endpoint.partition("://")
            kw.update(endpoint_override=rest or scheme, scheme=scheme if rest else "https")
        return pafs.S3FileSystem(**{k: v for k, v in kw.items() if v is not None})

    def fsspec_filesystem(self) -> Any:
        """An fsspec filesystem for ``s3://`` over pyarrow's S3 client: registered in DuckDB,
        it lets ``read_parquet('s3://...')`` work without the httpfs extension."""
        from fsspec.implementations.arrow import ArrowFSWrapper

        class _S3(ArrowFSWrapper):  # type: ignore[misc]
            protocol = ("s3", "s3a")

        return _S3(self.arrow_filesystem())


def is_remote(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def redact(text: str, storage: S3Storage | None) -> str:
    """``text`` with every secret of ``storage`` replaced by ***."""
    if storage is None:
        return text
    for secret in (storage.secret_key, storage.session_token, storage.access_key):
        if secret:
            text = text.replace(secret, "***")
    return text


__all__ = ["S3Storage", "is_remote", "redact"]

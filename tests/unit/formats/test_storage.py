"""S3 credentials come from the environment (AWS_* or variables named in weir.yml) and
never show in a repr or an error message."""

from __future__ import annotations

import pytest

from weir.config import StorageSettings
from weir.errors import ConfigError
from weir.formats.storage import S3Storage, redact

SECRET = "s3cr3t-value-never-shown"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                "AWS_DEFAULT_REGION", "AWS_ALLOW_HTTP"):
        monkeypatch.delenv(var, raising=False)


def test_aws_variables_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    s = S3Storage.from_env()
    assert (s.access_key, s.secret_key, s.region, s.allow_http) == ("AKID", SECRET, "eu-west-1", True)
    assert SECRET not in repr(s)
    opts = s.delta_options()
    assert opts["AWS_SECRET_ACCESS_KEY"] == SECRET and opts["AWS_ALLOW_HTTP"] == "true"
    assert s.iceberg_properties()["s3.endpoint"] == "http://127.0.0.1:9000"


def test_named_variables_from_weir_yml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKE_KEY", "k")
    monkeypatch.setenv("LAKE_SECRET", SECRET)
    monkeypatch.setenv("LAKE_URL", "https://s3.example")
    s = S3Storage.from_env(StorageSettings(endpoint_env="LAKE_URL", key_env="LAKE_KEY", secret_env="LAKE_SECRET",
                                           region="us-east-2"))
    assert (s.endpoint, s.access_key, s.secret_key, s.region, s.allow_http) == (
        "https://s3.example", "k", SECRET, "us-east-2", False)


def test_a_named_variable_that_is_unset_is_an_error_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKE_KEY", SECRET)
    with pytest.raises(ConfigError) as info:
        S3Storage.from_env(StorageSettings(key_env="LAKE_KEY", secret_env="LAKE_SECRET"))
    assert "storage.secret_env names the environment variable LAKE_SECRET, which is not set" in str(info.value)
    assert SECRET not in str(info.value)


def test_redact() -> None:
    s = S3Storage(access_key="AKID", secret_key=SECRET)
    assert redact(f"denied for AKID with {SECRET}", s) == "denied for *** with ***"

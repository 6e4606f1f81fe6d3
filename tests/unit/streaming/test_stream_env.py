"""streams/*.yml take dbt's {{ env_var() }} / {{ var() }} like the rest of the project's YAML,
and ${VAR} as before. Connection values (servers, SASL secrets) are resolved only when a stream
connects: they are not kept on the spec, not needed by other commands, not in compiled artifacts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from weir.cli.main import cli
from weir.errors import ProjectError
from weir.project.streams import load_streams

SECRET = "0123-s3cr3t-pa55"


def _write(root: Path, text: str) -> Path:
    (root / "streams").mkdir(parents=True, exist_ok=True)
    (root / "streams" / "s.yml").write_text(textwrap.dedent(text))
    return root


STREAM = """
    streams:
      - name: orders
        topics: "{{ env_var('ORDERS_TOPIC', 'orders') }}"
        group: "{{ var('group', 'weir-orders') }}"
        bootstrap_servers: "{{ env_var('KAFKA_HOST') }}:9092"
        consumer:
          security.protocol: SASL_SSL
          sasl.username: "${KAFKA_USER}"
          sasl.password: "{{ env_var('KAFKA_PASSWORD') }}"
          fetch.min.bytes: "{{ env_var('FETCH_MIN', '1') }}"
"""


def test_env_var_and_var_render_and_dollar_braces_still_expand(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, STREAM)
    for k, v in {"KAFKA_HOST": "broker1", "KAFKA_USER": "svc", "KAFKA_PASSWORD": SECRET}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("WEIR_STREAM__BOOTSTRAP_SERVERS", raising=False)
    [spec] = load_streams(tmp_path, vars={"group": "g1"})
    assert spec.topics == ["orders"] and spec.group == "g1"
    # the spec keeps the templates; the values appear only when connecting
    assert SECRET not in repr(spec) and spec.consumer["sasl.password"] == "{{ env_var('KAFKA_PASSWORD') }}"
    servers, consumer = spec.connection()
    assert servers == "broker1:9092"
    assert consumer == {"security.protocol": "SASL_SSL", "sasl.username": "svc", "sasl.password": SECRET,
                        "fetch.min.bytes": "1"}
    monkeypatch.setenv("KAFKA_PASSWORD", "0123")
    assert spec.connection()[1]["sasl.password"] == "0123"  # text, not the number 123
    monkeypatch.setenv("WEIR_STREAM__BOOTSTRAP_SERVERS", "other:1")
    monkeypatch.delenv("KAFKA_HOST")
    assert spec.connection()[0] == "other:1"  # the override wins; the file's value is not needed


def test_unset_variables_name_the_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, STREAM)
    monkeypatch.delenv("WEIR_STREAM__BOOTSTRAP_SERVERS", raising=False)
    for k in ("KAFKA_HOST", "KAFKA_USER", "KAFKA_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    [spec] = load_streams(tmp_path)  # loading (every weir command does) needs no connection value
    with pytest.raises(ProjectError) as err:
        spec.connection()
    assert str(err.value).startswith("streams/s.yml: streams.orders.bootstrap_servers: env_var: required "
                                     "environment variable 'KAFKA_HOST' is not set")
    monkeypatch.setenv("KAFKA_HOST", "h")
    with pytest.raises(ProjectError, match=r"streams\.orders\.consumer\.sasl\.password: env_var: required "
                                           "environment variable 'KAFKA_PASSWORD' is not set"):
        spec.connection()
    monkeypatch.setenv("KAFKA_PASSWORD", SECRET)
    with pytest.raises(ProjectError, match=r"streams\.orders\.consumer\.sasl\.username: environment variable "
                                           "'KAFKA_USER' is not set") as err:
        spec.connection()
    assert SECRET not in str(err.value)

    _write(tmp_path, "streams:\n  - {name: a, topics: \"{{ env_var('TOPIC_X') }}\"}\n")
    with pytest.raises(ProjectError, match=r"^streams/s\.yml: streams\[0\]\.topics: env_var: required environment "
                                           "variable 'TOPIC_X' is not set"):
        load_streams(tmp_path)


def test_connection_secrets_stay_out_of_compiled_artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: s\nversion: '1.0'\nconfig-version: 2\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "orders_seen.sql").write_text("select * from {{ source('streams', 'orders') }}\n")
    _write(tmp_path, STREAM)
    for k, v in {"KAFKA_HOST": "broker1", "KAFKA_USER": "svc", "KAFKA_PASSWORD": SECRET}.items():
        monkeypatch.setenv(k, v)
    for args in (["compile"], ["docs", "generate"]):
        result = CliRunner().invoke(cli, [*args, "--project-dir", str(tmp_path)])
        assert result.exit_code == 0, (result.output, result.exception)
        assert SECRET not in result.output
    written = [f for f in tmp_path.rglob("*") if f.is_file() and f.parent.name != "streams"]
    names = {f.name for f in written}
    assert {"orders_seen.sql", "catalog.json"} <= names, names
    catalog = next(f for f in written if f.name == "catalog.json")
    assert "streams" in catalog.read_text()  # the stream's source is documented, without its connection
    assert [f.name for f in written if SECRET.encode() in f.read_bytes()] == []

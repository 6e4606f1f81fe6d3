"""Projects whose warehouse is an ``s3://`` URL on SeaweedFS: Delta and Iceberg tables are
written there, read back by DuckDB through the registered filesystem (no httpfs), from a
fresh workspace and from the CLI; incremental merges work; secrets never show."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from weir.errors import WeirError
from weir.workspace import Workspace

pytestmark = pytest.mark.integration

FILES = {
    "dbt_project.yml": """\
        name: lake
        profile: lake
        models:
          lake:
            +materialized: table
        """,
    "seeds/orders.csv": "id,status,amount\n1,new,10\n2,new,20\n3,paid,30\n",
    "models/paid.sql": "select id, amount from {{ ref('orders') }} where status = 'paid'\n",
    "models/latest.sql": """\
        {{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
        select id, status, amount from {{ ref('orders') }}
        {% if is_incremental() %} where id >= 2 {% endif %}
        """,
}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def s3_env(s3_bucket: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    for key, value in s3_bucket["storage_options"].items():
        monkeypatch.setenv(key, value)
    return s3_bucket


def project(tmp_path: Path, bucket: str, fmt: str) -> Path:
    root = tmp_path / "proj"
    write(root, {**FILES, "weir.yml": f"warehouse: s3://{bucket}/lake\ntable_format: {fmt}\n"})
    return root


def rows(ws: Workspace, name: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(r.values()) for r in ws.read_table(name).to_pylist())


@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_build_merge_and_read_back_from_s3(s3_env: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    root = project(tmp_path, s3_env["bucket"], fmt)
    with Workspace.load(root) as ws:
        result = ws.build()
        assert result.success, [(r.name, r.message) for r in result.results if r.status != "success"]
        assert rows(ws, "paid") == [(3, 30)]
        assert rows(ws, "latest") == [(1, "new", 10), (2, "new", 20), (3, "paid", 30)]
    # order 2 is paid now, order 4 is new: the incremental model merges on S3
    write(root, {"seeds/orders.csv": "id,status,amount\n1,new,10\n2,paid,25\n3,paid,30\n4,new,40\n"})
    with Workspace.load(root) as ws:
        assert ws.build().success
    # a fresh workspace (another process, in effect) reads the tables through its own registration
    with Workspace.load(root) as ws:
        assert rows(ws, "paid") == [(2, 25), (3, 30)]
        assert rows(ws, "latest") == [(1, "new", 10), (2, "paid", 25), (3, "paid", 30), (4, "new", 40)]
        history = ws.table_history("latest")
        assert len(history) >= 2 and history[0]["version"] == ws.formats[fmt].version(ws.relation_of("latest"))
    # the data is in the bucket, not on local disk
    listing = s3_env["filesystem"].get_file_info(
        __import__("pyarrow.fs", fromlist=["FileSelector"]).FileSelector(f"{s3_env['bucket']}/lake", recursive=True))
    assert any(i.path.endswith(".parquet") for i in listing)
    assert not (root / "lakehouse").exists()
    out = subprocess.run([sys.executable, "-m", "weir", "show", "latest", "--format", "csv"], cwd=root,
                         capture_output=True, text=True, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.splitlines()[1:]) == ["1,new,10", "2,paid,25", "3,paid,30", "4,new,40"]


def test_named_credentials_and_no_secret_in_errors(s3_env: dict[str, Any], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, s3_env["bucket"], "delta")
    write(root, {"weir.yml": f"""\
        warehouse: s3://{s3_env['bucket']}/lake
        storage: {{endpoint_env: LAKE_URL, key_env: LAKE_KEY, secret_env: LAKE_SECRET, region: us-east-1}}
        """})
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("LAKE_URL", s3_env["endpoint"])
    monkeypatch.setenv("LAKE_KEY", s3_env["access_key"])
    monkeypatch.setenv("LAKE_SECRET", s3_env["secret_key"])
    with Workspace.load(root) as ws:
        assert ws.build(["orders", "paid"]).success
        assert rows(ws, "paid") == [(3, 30)]
    wrong = "definitely-wrong-secret-4711"
    monkeypatch.setenv("LAKE_SECRET", wrong)
    with pytest.raises(WeirError, match="privileges") as info:  # the catalog's pointers are checked on open
        Workspace.load(root)
    assert "storage credentials" in str(info.value)
    assert wrong not in str(info.value) and s3_env["secret_key"] not in str(info.value)
    monkeypatch.delenv("LAKE_SECRET")
    with pytest.raises(WeirError, match="LAKE_SECRET, which is not set"):
        Workspace.load(root)

"""Fixtures shared by the whole suite: the real services of ``scripts/services.py``.

``service("postgres")`` starts (or reuses) the server and returns its connection
facts; pytest-xdist workers share one instance per service. Helpers give each
test its own database / bucket / topic prefix so tests stay independent.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "services.py"


def _services_module() -> Any:
    spec = importlib.util.spec_from_file_location("weir_test_services", _SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- scheduling under pytest-xdist ---------------------------------------------------------
#: Test files in the order they start, heaviest first (figures: minutes of one test under
#: -n 2). Tests are handed out one at a time in this order, so the long end-to-end tests start
#: at once and the short unit tests fill the end of the run: no core idles while one long test
#: finishes. Everything not listed keeps its place after these.
HEAVY_FIRST = (
    "tests/differential/",                            # dbt vs weir, 1-3 min per project
    "tests/integration/streaming/test_exactly_once",  # 24 killed stream processes, ~2 min
    "tests/integration/streaming/",
    "tests/integration/ingest/test_kill",
    "tests/integration/ingest/test_files_kill",
    "tests/integration/orchestration/test_examples",
    "tests/integration/",
)
#: tests that must share a worker: every Spark test (one JVM and one JIT warm-up, ~1 min, per
#: run instead of per worker) and the browser tests (one pipeline run, UI server and Chromium)
SAME_WORKER = ("tests/integration/spark/", "tests/integration/web/test_ui_browser.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(HEAVY_FIRST) if item.nodeid.startswith(prefix)),
                    len(HEAVY_FIRST))

    items.sort(key=rank)  # stable: the order within a rank is pytest's


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: no error where xdist is missing
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``-n``: each SAME_WORKER prefix is one unit of work and every other test its own;
    units go out largest first (the Spark tests), then in collection order, one at a time.
    (xdist's own ``--dist loadgroup`` marks do not take under pytest 9.)"""
    if config.getoption("dist") != "load":  # an explicit --dist other than load wins
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SameWorkerScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((prefix for prefix in SAME_WORKER if nodeid.startswith(prefix)), nodeid)

    return SameWorkerScheduling(config, log)


@pytest.fixture(scope="session")
def service() -> Callable[[str], dict[str, Any]]:
    """``service(name)`` -> connection facts of a running postgres/mariadb/seaweedfs/tansu."""
    module = _services_module()
    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = module.start(name)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temp dir shared by every xdist worker of this run (for work done once per run)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # pytest-N/popen-gwK


@pytest.fixture
def unique_name() -> str:
    """A short name unique to this test: databases, buckets, topics."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def s3_bucket(service: Callable[[str], dict[str, Any]], unique_name: str) -> Iterator[dict[str, Any]]:
    """A fresh bucket on SeaweedFS: ``{"bucket", "url", "storage_options", ...}``."""
    import pyarrow.fs as pafs

    s3 = service("seaweedfs")
    fs = pafs.S3FileSystem(access_key=s3["access_key"], secret_key=s3["secret_key"], region=s3["region"],
                           endpoint_override=s3["endpoint"], scheme="http", allow_bucket_creation=True)
    fs.create_dir(unique_name)
    yield {**s3, "bucket": unique_name, "url": f"s3://{unique_name}", "filesystem": fs}
    try:  # free the bucket's volumes for the rest of the suite
        fs.delete_dir(unique_name)
    except OSError:
        pass


@pytest.fixture
def pg_database(service: Callable[[str], dict[str, Any]], unique_name: str) -> dict[str, Any]:
    """A fresh PostgreSQL database: ``{"dsn", "host", "port", "user", "dbname"}``."""
    import psycopg

    pg = service("postgres")
    with psycopg.connect(pg["dsn"], autocommit=True) as conn:
        conn.execute(f'create database "{unique_name}"')
    return {**pg, "dbname": unique_name,
            "dsn": f"postgresql://{pg['user']}@{pg['host']}:{pg['port']}/{unique_name}"}


@pytest.fixture
def mysql_database(service: Callable[[str], dict[str, Any]], unique_name: str) -> dict[str, Any]:
    """A fresh MariaDB database: ``{"host", "port", "user", "password", "dbname"}``."""
    import pymysql

    my = service("mariadb")
    conn = pymysql.connect(host=my["host"], port=my["port"], user=my["user"], password=my["password"])
    try:
        with conn.cursor() as cur:
            cur.execute(f"create database `{unique_name}`")
    finally:
        conn.close()
    return {**my, "dbname": unique_name,
            "dsn": f"mysql://{my['user']}@{my['host']}:{my['port']}/{unique_name}"}

"""One SparkSession (local[2]) for every Spark test of a worker: a JVM start costs seconds.
Workspaces on a ``type: spark`` target get a new session of it (own temp views)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pyspark = pytest.importorskip("pyspark", reason="pip install 'weir[spark]'")
HARNESS = Path(__file__).resolve().parents[2] / "differential" / "harness.py"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from weir.engines.spark_session import start

    session = start("session", master="local[2]", url=None, conf={}, app_name="weir-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def harness() -> Any:
    """The differential harness's comparison helpers (compare_table, canonicalize)."""
    spec = importlib.util.spec_from_file_location("weir_diff_harness", HARNESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module

"""Opening a DuckDB catalog another process holds: a short hold is waited out, a long
one is a clear error naming the file (two stream workers of one project register their
tables at the same moment)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import weir.engines.duckdb as duck
from weir.errors import EngineError

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_short_hold_is_waited_out(tmp_path: Path) -> None:
    path = tmp_path / "dev.duckdb"
    proc = hold(path, 1.0)
    try:
        engine = duck.DuckDBEngine(path)
        engine.execute("create table t as select 1 as x")
        assert engine.fetch("select x from t")[1] == [(1,)]
        engine.close()
    finally:
        proc.wait(30)


def test_a_long_hold_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duck, "LOCK_WAIT_S", 0.5)
    path = tmp_path / "dev.duckdb"
    proc = hold(path, 30)
    try:
        with pytest.raises(EngineError, match=r"cannot open DuckDB catalog .*dev\.duckdb") as err:
            duck.DuckDBEngine(path)
        assert "another weir process holds it open" in str(err.value.hint)
    finally:
        proc.kill()
        proc.wait(30)

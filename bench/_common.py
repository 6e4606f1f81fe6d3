"""Shared helpers of the benchmark scripts in bench/ (not a test module).

Timing and memory
-----------------
Every measured command runs in its own subprocess, under a tiny wrapper (``python -I -S -c
WRAPPER``) that starts it with ``os.posix_spawnp``, reaps it with ``os.wait4(pid, 0)`` and
writes two numbers to a file: the wall time (``time.perf_counter`` from spawn to reap, so it
includes interpreter start-up and imports, as a user would see them) and the ``ru_maxrss``
that ``wait4`` returns for that child (on Linux: the maximum over the child and the
descendants it waited for, not a sum). Why the wrapper: a child forked (or vforked) straight
from this benchmark process inherits this process's high-water RSS at exec time, so its
``ru_maxrss`` is never below ours (which holds Arrow tables after set-up); the wrapper is a
fresh ~10 MiB interpreter, so the command's own peak is measured. stdout and stderr go to a
log file (no pipe, so nothing can block).

Comparing tables
----------------
``checksum`` reduces a relation to (row count, order-independent checksum, column list):
each row is turned into one canonical text (columns sorted by lower-cased name, NULL as a
sentinel, FLOAT/DOUBLE printed with 10 significant digits, every other type cast to text),
hashed with DuckDB's ``hash`` and summed as HUGEINT. Both sides are checksummed in the same
DuckDB process, so the hash function is the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
VENVS = BENCH / ".venvs"
WEIR_PY = REPO / ".venv" / "bin" / "python"
WEIR_BIN = REPO / ".venv" / "bin" / "weir"

QUIET_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "DBT_VERSION_CHECK": "false",
    "DBT_USE_COLORS": "false",
    "DBT_PRINTER_WIDTH": "120",
}


def reexec_in_weir_venv() -> None:
    """Run the calling script with the repo's venv (it has weir, duckdb, pyarrow, deltalake)."""
    try:
        import deltalake  # noqa: F401
        import duckdb  # noqa: F401

        import weir  # noqa: F401
    except ImportError:
        if WEIR_PY.exists() and Path(sys.executable).resolve() != WEIR_PY.resolve():
            os.execv(str(WEIR_PY), [str(WEIR_PY), *sys.argv])
        raise SystemExit(f"weir is not importable; create {REPO / '.venv'} first (make demo)")


def log(msg: str) -> None:
    print(msg, flush=True)


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    wall_s: float
    peak_mb: float
    log_path: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


_WRAPPER = """
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(out, "w") as f:
    f.write(f"{wall!r} {ru.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(argv: list[str], *, cwd: Path, log_path: Path, env: dict[str, str] | None = None,
                 check: bool = True) -> Measured:
    """Run argv as one subprocess; its wall time (perf_counter) and peak RSS (wait4's ru_maxrss)."""
    full_env = dict(os.environ)
    full_env.update(QUIET_ENV)
    full_env.update(env or {})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    stats = log_path.with_suffix(".measure")
    with open(log_path, "wb") as out:
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", _WRAPPER, str(stats), *argv], cwd=cwd,
                              env=full_env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wall_text, rss_kib = stats.read_text().split()
    res = Measured(argv, proc.returncode, float(wall_text), int(rss_kib) / 1024.0, log_path)
    if check and not res.ok:
        raise SystemExit(f"command failed (exit {res.returncode}): {' '.join(argv)}\n--- {log_path} ---\n"
                         + res.tail(60))
    return res


def check_weir_did_something(res: Measured, project: Path) -> None:
    """weir exits 0 with "Nothing to do" when it found no nodes; say so instead of timing nothing."""
    if "Nothing to do" in res.log_path.read_text(errors="replace"):
        hidden = [p for p in project.resolve().parts if p.startswith(".")]
        raise SystemExit(
            f"weir found no nodes in {project} (see {res.log_path})"
            + (f"; the path has hidden components {hidden}: weir's loader skips every file whose absolute "
               "path contains a part starting with '.', so pass --work with a folder outside hidden "
               "directories" if hidden else ""))


# --------------------------------------------------------------------------- dbt venv


def dbt_venv() -> Path:
    """A venv with dbt-core 1.11 + dbt-duckdb: the repo's .venvs/dbt if present, else bench/.venvs/dbt."""
    for cand in (REPO / ".venvs" / "dbt", VENVS / "dbt"):
        if (cand / "bin" / "dbt").exists():
            return cand
    dest = VENVS / "dbt"
    log(f"creating {dest} (dbt-core 1.11 + dbt-duckdb) ...")
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(dest)], check=True)
    subprocess.run([str(dest / "bin" / "pip"), "install", "-q", "dbt-core==1.11.*", "dbt-duckdb"], check=True)
    return dest


def write_dbt_profile(project_dir: Path, profile: str, db_path: Path, threads: int = 4) -> None:
    text = (
        f"{profile}:\n"
        "  target: dev\n"
        "  outputs:\n"
        "    dev:\n"
        "      type: duckdb\n"
        f"      path: '{db_path}'\n"
        f"      threads: {threads}\n"
    )
    (project_dir / "profiles.yml").write_text(text)


# --------------------------------------------------------------------------- checksums

_FLOATS = ("FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def canon_expr(col: str, dtype: str) -> str:
    t = dtype.upper()
    if t in _FLOATS:
        v = f"printf('%.10g', {_q(col)})"
    else:
        v = f"cast({_q(col)} as varchar)"
    return f"coalesce({v}, '\\N')"


def describe(con: Any, rel_sql: str) -> list[tuple[str, str]]:
    rows = con.execute(f"describe select * from {rel_sql}").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def canon_select(con: Any, rel_sql: str) -> tuple[str, list[tuple[str, str]]]:
    cols = sorted(describe(con, rel_sql), key=lambda c: c[0].lower())
    parts = ", ".join(canon_expr(c, t) for c, t in cols) or "''"
    return f"select concat_ws(chr(31), {parts}) as r from {rel_sql}", cols


@dataclass
class Checksum:
    rows: int
    digest: int
    columns: list[tuple[str, str]]

    def same_data(self, other: Checksum) -> bool:
        return (self.rows == other.rows and self.digest == other.digest
                and [c.lower() for c, _ in self.columns] == [c.lower() for c, _ in other.columns])


def checksum(con: Any, rel_sql: str) -> Checksum:
    sel, cols = canon_select(con, rel_sql)
    n, digest = con.execute(f"select count(*), coalesce(sum(hash(r)::hugeint), 0) from ({sel})").fetchall()[0]
    return Checksum(int(n), int(digest), cols)


def diff_sample(con: Any, left_sql: str, right_sql: str, limit: int = 3) -> str:
    """A few canonical rows that are only on one side (for the report of a mismatch)."""
    ls, _ = canon_select(con, left_sql)
    rs, _ = canon_select(con, right_sql)
    out = []
    for label, a, b in (("only dbt/raw", ls, rs), ("only weir", rs, ls)):
        rows = con.execute(f"select r from (({a}) except all ({b})) limit {limit}").fetchall()
        n = con.execute(f"select count(*) from (({a}) except all ({b}))").fetchall()[0][0]
        out.append(f"    {label}: {n} rows" + "".join(f"\n      {r[0][:300]!r}" for r in rows))
    return "\n".join(out)


def fmt_s(x: float) -> str:
    return f"{x:.2f}"

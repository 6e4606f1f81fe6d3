"""Differential harness: run a dbt project with dbt-core + dbt-duckdb and with weir, compare every table.

Each project lives in ``projects/<name>/`` as a normal dbt project, plus two things the
harness strips before copying it:

* ``phases/<n>/``: files copied over the project (overwriting) before phase ``n``;
  the number of phases is the highest ``n`` (at least 1).
* ``differential.yml`` (optional): how to run and compare it::

      vars: {key: value}            # passed as --vars to both sides, every phase
      phase_vars: {2: {key: v}}     # merged over `vars` for one phase
      env: {NAME: value}            # environment of both sides (null = unset)
      expect_fail: {2: [build]}     # commands that must exit non-zero under dbt (and weir)
      unchanged: {2: [[main, t]]}   # relations that must equal their previous-phase content
      gated: {3: [main.t]}          # weir's write-audit-publish keeps the previous version
                                    # (a failing error test blocks the commit) where dbt
                                    # publishes first and tests after: weir's side must be
                                    # unchanged, and dbt's is not compared for that phase
      opaque: {main.snap: [col]}    # columns compared for nullness only (values are random)
      loose_types: true             # do not fail on column type differences (default: fail)

Column types must match after folding physical variants (large/view strings, timestamp units,
tz names, dictionary encoding); WEIR_DIFF_LOOSE_TYPES=1 turns that check off everywhere.

Per phase the harness runs ``seed`` then ``build`` on each side, then reads every relation:
dbt's from its DuckDB file, weir's through ``weir.Workspace``. Timestamps that fall inside the
wall-clock window of a phase's run (e.g. ``now()`` in snapshots) are replaced by the token
``<clock of phase n>`` on both sides, so they compare by *when* they were produced.

Command line (debugging)::

    python tests/differential/harness.py <project>|all [--dbt-only] [--keep]
    python tests/differential/harness.py <project>|all --spark    # weir on DuckDB vs weir on Spark
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import decimal
import fcntl
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROJECTS_DIR = HERE / "projects"
SPEC_FILE = "differential.yml"
PHASES_DIR = "phases"
COMMANDS = ("seed", "build")
CLOCK_SLACK = dt.timedelta(seconds=2)
REL_TOL = 1e-9
MAX_DIFF_ROWS = 10
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog"}

RelKey = tuple[str, str]


# --------------------------------------------------------------------------- spec


@dataclass
class Spec:
    name: str
    phases: int
    vars: dict[str, Any] = field(default_factory=dict)
    phase_vars: dict[int, dict[str, Any]] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    expect_fail: dict[int, list[str]] = field(default_factory=dict)
    unchanged: dict[int, list[RelKey]] = field(default_factory=dict)
    gated: dict[int, list[RelKey]] = field(default_factory=dict)
    opaque: dict[RelKey, set[str]] = field(default_factory=dict)
    loose_types: bool = False
    #: engine-vs-engine (weir on DuckDB vs weir on Spark) only: see ``EngineSpec``
    spark: EngineSpec = field(default_factory=lambda: EngineSpec())

    def vars_for(self, phase: int) -> dict[str, Any]:
        return {**self.vars, **self.phase_vars.get(phase, {})}

    def must_fail(self, phase: int, command: str) -> bool:
        return command in self.expect_fail.get(phase, [])


@dataclass
class EngineSpec:
    """Where a project legitimately differs between weir on DuckDB and weir on another engine
    (``spark:`` in differential.yml). Never used by the dbt-vs-weir comparison.

    * ``loose_types``: ``true`` (no type check at all) or ``{schema.rel: [col, ...]}`` (those
      columns' types may differ, e.g. ``sum``/``avg`` of a decimal follow each engine's rules);
    * ``opaque``: ``{schema.rel: [col, ...]}`` compared for nullness only (e.g. a column made
      by ``adapter.dispatch``, which picks ``duckdb__`` on DuckDB and ``spark__``/``default__``
      on Spark).
    """

    loose_types: bool = False
    loose_columns: dict[RelKey, set[str]] = field(default_factory=dict)
    opaque: dict[RelKey, set[str]] = field(default_factory=dict)


def engine_spec(raw: dict[str, Any], rel: Any) -> EngineSpec:
    loose = raw.get("loose_types", False)
    return EngineSpec(
        loose_types=loose is True,
        loose_columns={rel(k): {c.lower() for c in v} for k, v in loose.items()} if isinstance(loose, dict) else {},
        opaque={rel(k): {c.lower() for c in v} for k, v in (raw.get("opaque") or {}).items()},
    )


def project_names() -> list[str]:
    return sorted(p.name for p in PROJECTS_DIR.iterdir() if (p / "dbt_project.yml").is_file())


def load_spec(name: str) -> Spec:
    src = PROJECTS_DIR / name
    if not (src / "dbt_project.yml").is_file():
        raise SystemExit(f"no such differential project: {name} (have: {', '.join(project_names())})")
    raw: dict[str, Any] = {}
    if (src / SPEC_FILE).is_file():
        raw = yaml.safe_load((src / SPEC_FILE).read_text()) or {}
    phase_dirs = [int(p.name) for p in (src / PHASES_DIR).iterdir()] if (src / PHASES_DIR).is_dir() else []
    phases = int(raw.get("phases", max(phase_dirs, default=1)))

    def rel(value: Any) -> RelKey:
        schema, name_ = value if isinstance(value, list | tuple) else str(value).split(".", 1)
        return (schema.lower(), name_.lower())

    return Spec(
        name=name,
        phases=phases,
        vars=raw.get("vars") or {},
        phase_vars={int(k): v for k, v in (raw.get("phase_vars") or {}).items()},
        env=raw.get("env") or {},
        expect_fail={int(k): list(v) for k, v in (raw.get("expect_fail") or {}).items()},
        unchanged={int(k): [rel(r) for r in v] for k, v in (raw.get("unchanged") or {}).items()},
        gated={int(k): [rel(r) for r in v] for k, v in (raw.get("gated") or {}).items()},
        opaque={rel(k): {c.lower() for c in v} for k, v in (raw.get("opaque") or {}).items()},
        loose_types=bool(raw.get("loose_types", False)),
        spark=engine_spec(raw.get("spark") or {}, rel),
    )


def copy_project(name: str, dest: Path) -> None:
    shutil.copytree(
        PROJECTS_DIR / name,
        dest,
        ignore=shutil.ignore_patterns(PHASES_DIR, SPEC_FILE, "target", "logs", "*.duckdb*", ".weir"),
    )


def apply_phase(name: str, phase: int, dest: Path) -> None:
    overlay = PROJECTS_DIR / name / PHASES_DIR / str(phase)
    if overlay.is_dir():
        shutil.copytree(overlay, dest, dirs_exist_ok=True)


# --------------------------------------------------------------------------- running


@dataclass
class CommandResult:
    command: str
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 40) -> str:
        out = (self.stdout + "\n" + self.stderr).strip().splitlines()
        return "\n".join(out[-lines:])


@dataclass
class PhaseResult:
    phase: int
    commands: list[CommandResult]
    tables: dict[RelKey, pa.Table]
    started: float
    finished: float
    read_error: str | None = None


def subprocess_env(spec: Spec) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1", "DBT_VERSION_CHECK": "false", "DBT_USE_COLORS": "false"})
    for key, value in spec.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def run_command(command: str, argv: list[str], cwd: Path, env: dict[str, str]) -> CommandResult:
    t0 = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return CommandResult(command, argv, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)


def dbt_venv() -> Path:
    """The venv with dbt-core + dbt-duckdb; created with scripts/dbt_venv.sh if missing."""
    venv = Path(os.environ.get("WEIR_DBT_VENV") or REPO / ".venvs" / "dbt")
    if _dbt_venv_ready(venv):
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(str(venv) + ".lock", "w") as lock:  # pytest-xdist workers may race here
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "bin" / "dbt").exists():
            subprocess.run(["bash", str(REPO / "scripts" / "dbt_venv.sh"), str(venv)], check=True)
        if not _dbt_venv_ready(venv):
            # dbt-duckdb's Python models need pandas (.df()) and pyarrow (.arrow()).
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PYTHON_MODEL_DEPS], check=True)
    return venv


PYTHON_MODEL_DEPS = ("pandas", "pyarrow")


def _dbt_venv_ready(venv: Path) -> bool:
    if not (venv / "bin" / "dbt").exists():
        return False
    probe = "import " + ", ".join(PYTHON_MODEL_DEPS)
    return subprocess.run([str(venv / "bin" / "python"), "-c", probe], capture_output=True).returncode == 0


class Side:
    label = "?"

    def __init__(self, spec: Spec, workdir: Path) -> None:
        self.spec = spec
        self.workdir = workdir
        self.env = subprocess_env(spec)
        copy_project(spec.name, workdir)

    def argv(self, command: str, phase: int) -> list[str]:
        raise NotImplementedError

    def read_tables(self) -> dict[RelKey, pa.Table]:
        raise NotImplementedError

    def run_phase(self, phase: int) -> PhaseResult:
        apply_phase(self.spec.name, phase, self.workdir)
        started = time.time()
        results = [run_command(c, self.argv(c, phase), self.workdir, self.env) for c in COMMANDS]
        finished = time.time()
        tables: dict[RelKey, pa.Table] = {}
        error = None
        try:
            tables = self.read_tables()
        except Exception as exc:  # reported as a mismatch, with the phase it happened in
            error = f"{type(exc).__name__}: {exc}"
        return PhaseResult(phase, results, tables, started, finished, error)

    def run_all(self) -> list[PhaseResult]:
        return [self.run_phase(p) for p in range(1, self.spec.phases + 1)]


def shared_weir_run(spec: Spec, workdir: Path, cache: Path | None = None) -> list[PhaseResult]:
    """The weir CLI side (DuckDB) of a project over all phases. With ``cache`` (a dir shared by
    the pytest-xdist workers of one session) it runs once per session: the dbt-vs-weir test and
    the DuckDB-vs-Spark test of a project compare with the same run; whichever comes first runs
    it (under a file lock), the other reads its results."""
    if cache is None:
        return WeirSide(spec, workdir).run_all()
    cache.mkdir(parents=True, exist_ok=True)
    done = cache / f"{spec.name}.pickle"
    with open(cache / f"{spec.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():  # plain values: the harness is loaded under a different module name per test dir
            return [PhaseResult(r["phase"], [CommandResult(**c) for c in r["commands"]], r["tables"],
                                r["started"], r["finished"], r["read_error"]) for r in pickle.loads(done.read_bytes())]
        results = WeirSide(spec, workdir).run_all()
        plain = [{**{f.name: getattr(r, f.name) for f in dataclasses.fields(r)},
                  "commands": [dataclasses.asdict(c) for c in r.commands]} for r in results]
        done.with_suffix(".tmp").write_bytes(pickle.dumps(plain))
        done.with_suffix(".tmp").rename(done)
        return results


def vars_args(spec: Spec, phase: int) -> list[str]:
    v = spec.vars_for(phase)
    return ["--vars", json.dumps(v)] if v else []


class DbtSide(Side):
    label = "dbt"

    def __init__(self, spec: Spec, workdir: Path) -> None:
        super().__init__(spec, workdir)
        self.dbt = dbt_venv() / "bin" / "dbt"
        self.db_path = workdir / "dbt.duckdb"
        profile = _project_profile_name(workdir)
        profiles = {
            profile: {
                "target": "dev",
                "outputs": {"dev": {"type": "duckdb", "path": str(self.db_path), "threads": 4}},
            }
        }
        (workdir / "profiles.yml").write_text(yaml.safe_dump(profiles))

    def argv(self, command: str, phase: int) -> list[str]:
        d = str(self.workdir)
        return [str(self.dbt), command, "--profiles-dir", d, "--project-dir", d, *vars_args(self.spec, phase)]

    def read_tables(self) -> dict[RelKey, pa.Table]:
        return read_duckdb_file(self.db_path)


class WeirSide(Side):
    label = "weir"

    def argv(self, command: str, phase: int) -> list[str]:
        return [sys.executable, "-m", "weir", command, "--project-dir", str(self.workdir), *vars_args(self.spec, phase)]

    def read_tables(self) -> dict[RelKey, pa.Table]:
        from weir import Workspace

        ws = Workspace.load(self.workdir)
        cm = ws if hasattr(ws, "__enter__") else contextlib.nullcontext(ws)
        with cm as w:
            return {(s.lower(), n.lower()): w.read_table(s, n) for s, n in w.relations()}


def _project_profile_name(workdir: Path) -> str:
    cfg = yaml.safe_load((workdir / "dbt_project.yml").read_text())
    return str(cfg.get("profile") or cfg["name"])


def read_duckdb_file(path: Path) -> dict[RelKey, pa.Table]:
    import duckdb

    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        rels = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() order by 1, 2"
        ).fetchall()
        out = {}
        for schema, name in rels:
            if schema.lower() in SYSTEM_SCHEMAS:
                continue
            q = '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'
            out[(schema.lower(), name.lower())] = con.sql(f"select * from {q}").to_arrow_table()
        return out
    finally:
        con.close()


# --------------------------------------------------------------------------- comparing


class Num:
    """A number compared with a relative tolerance (Decimal vs float, float summation order)."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Num):
            return NotImplemented
        a, b = self.v, other.v
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        fa, fb = float(a), float(b)
        if math.isinf(fa) or math.isinf(fb):
            return fa == fb
        return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=1e-12)

    def __hash__(self) -> int:
        return 0  # only used through rows' strict keys

    def __repr__(self) -> str:
        return repr(self.v) if not isinstance(self.v, decimal.Decimal) else str(self.v)


@dataclass(frozen=True)
class Clock:
    """A timestamp produced by the wall clock while a phase was running."""

    phase: int

    def __repr__(self) -> str:
        return f"<clock of phase {self.phase}>"


@dataclass(frozen=True)
class Opaque:
    def __repr__(self) -> str:
        return "<non-null>"


def clock_windows(results: list[PhaseResult]) -> list[tuple[int, dt.datetime, dt.datetime, dt.datetime, dt.datetime]]:
    """Per phase: (phase, utc_lo, utc_hi, local_lo, local_hi) as naive datetimes."""
    out = []
    for r in results:
        utc_lo = dt.datetime.fromtimestamp(r.started, dt.UTC).replace(tzinfo=None) - CLOCK_SLACK
        utc_hi = dt.datetime.fromtimestamp(r.finished, dt.UTC).replace(tzinfo=None) + CLOCK_SLACK
        loc_lo = dt.datetime.fromtimestamp(r.started) - CLOCK_SLACK
        loc_hi = dt.datetime.fromtimestamp(r.finished) + CLOCK_SLACK
        out.append((r.phase, utc_lo, utc_hi, loc_lo, loc_hi))
    return out


def canon(value: Any, windows: list, opaque: bool = False) -> Any:
    """A comparable form of one value: numbers tolerant, timestamps naive, NaN as NULL."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if opaque:
        return Opaque()
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float | decimal.Decimal):
        if isinstance(value, decimal.Decimal) and value.is_nan():
            return None
        if isinstance(value, decimal.Decimal) and value == value.to_integral_value() and abs(value) < 2**63:
            value = int(value)
        elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            value = int(value)
        return Num(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        for phase, ulo, uhi, llo, lhi in windows:
            if ulo <= value <= uhi or llo <= value <= lhi:
                return Clock(phase)
        return ("ts", value)
    if isinstance(value, dt.date):
        return ("date", value)
    if isinstance(value, dt.time):
        return ("time", value)
    if isinstance(value, dt.timedelta):
        return ("interval", value)
    if isinstance(value, bytes | bytearray | memoryview):
        return ("bytes", bytes(value))
    if isinstance(value, dict):
        return ("struct", tuple((str(k), canon(v, windows)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(canon(v, windows) for v in value))
    if isinstance(value, str):
        return value
    return ("other", str(value))


def strict_key(c: Any) -> Any:
    """Hashable key for exact matching (floats rounded to 12 significant digits)."""
    if isinstance(c, Num):
        v = c.v
        return ("n", v) if isinstance(v, int) else ("n", float(f"{float(v):.12g}"))
    if isinstance(c, tuple):
        return tuple(strict_key(x) for x in c)
    return c


def sort_key(c: Any) -> Any:
    """Total order over canonical values, to print rows in a stable order."""
    if c is None:
        return (0, "")
    if isinstance(c, Num):
        return (1, float(c.v))
    if isinstance(c, str):
        return (2, c)
    if isinstance(c, Clock):
        return (3, c.phase)
    if isinstance(c, Opaque):
        return (4, "")
    if isinstance(c, tuple):
        return (5, repr(c))
    return (6, repr(c))


@dataclass
class Canonical:
    columns: list[str]  # lower-cased, sorted
    rows: list[tuple]
    types: dict[str, str]


def canonicalize(table: pa.Table, windows: list, opaque: set[str]) -> Canonical:
    names = [n.lower() for n in table.column_names]
    order = sorted(range(len(names)), key=lambda i: names[i])
    columns = [names[i] for i in order]
    pylists = [table.column(i).to_pylist() for i in order]
    rows = [
        tuple(canon(col[r], windows, columns[j] in opaque) for j, col in enumerate(pylists))
        for r in range(table.num_rows)
    ]
    types = {names[i]: str(table.schema.field(i).type) for i in range(len(names))}
    return Canonical(columns, rows, types)


def diff_rows(left: list[tuple], right: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Rows only in left, rows only in right (multisets; numbers with tolerance)."""
    lc = Counter(strict_key(r) for r in left)
    rc = Counter(strict_key(r) for r in right)
    only_l_keys = lc - rc
    only_r_keys = rc - lc
    only_l = _take(left, only_l_keys)
    only_r = _take(right, only_r_keys)
    # Second pass: tolerant pairing of what the rounded keys could not match.
    still_r = list(only_r)
    rest_l = []
    for row in only_l:
        for i, cand in enumerate(still_r):
            if cand == row:
                del still_r[i]
                break
        else:
            rest_l.append(row)
    return rest_l, still_r


def _take(rows: list[tuple], wanted: Counter) -> list[tuple]:
    wanted = Counter(wanted)
    out = []
    for r in rows:
        k = strict_key(r)
        if wanted.get(k, 0) > 0:
            wanted[k] -= 1
            out.append(r)
    return out


def fmt_row(columns: list[str], row: tuple) -> str:
    return "{" + ", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True)) + "}"


def type_key(t: pa.DataType) -> str:
    """An Arrow type with the physical variations that carry no meaning folded away:
    large/view strings, timestamp units and time zone names, dictionary encoding."""
    if pa.types.is_dictionary(t):
        return type_key(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "binary"
    if pa.types.is_timestamp(t):
        return "timestamp with time zone" if t.tz else "timestamp"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return f"list<{type_key(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f"{f.name.lower()}: {type_key(f.type)}" for f in t) + ">"
    if pa.types.is_map(t):
        return f"map<{type_key(t.key_type)}, {type_key(t.item_type)}>"
    return str(t)


def loose_types(spec: Spec | None = None) -> bool:
    return os.environ.get("WEIR_DIFF_LOOSE_TYPES") == "1" or bool(spec and spec.loose_types)


def compare_table(
    rel: RelKey,
    left: pa.Table,
    right: pa.Table,
    lwin: list,
    rwin: list,
    opaque: set[str],
    labels: tuple[str, str] = ("dbt", "weir"),
    check_types: bool = True,
) -> list[str]:
    a = canonicalize(left, lwin, opaque)
    b = canonicalize(right, rwin, opaque)
    name = f"{rel[0]}.{rel[1]}"
    problems = []
    if check_types:
        ltypes = {f.name.lower(): type_key(f.type) for f in left.schema}
        rtypes = {f.name.lower(): type_key(f.type) for f in right.schema}
        diffs = [f"{c}: {ltypes[c]} vs {rtypes[c]}" for c in sorted(ltypes) if c in rtypes and ltypes[c] != rtypes[c]]
        if diffs:
            problems.append(f"{name}: column types differ ({labels[0]} vs {labels[1]}): " + "; ".join(diffs))
    if a.columns != b.columns:
        problems.append(
            f"{name}: columns differ: only in {labels[0]}: {sorted(set(a.columns) - set(b.columns))}, "
            f"only in {labels[1]}: {sorted(set(b.columns) - set(a.columns))}"
        )
        common = [c for c in a.columns if c in set(b.columns)]
        a = _project(a, common)
        b = _project(b, common)
    only_a, only_b = diff_rows(a.rows, b.rows)
    if only_a or only_b:
        lines = [
            f"{name}: rows differ ({labels[0]}: {len(a.rows)} rows, {labels[1]}: {len(b.rows)} rows; "
            f"{len(only_a)} only in {labels[0]}, {len(only_b)} only in {labels[1]})"
        ]
        types = [
            f"{c}: {a.types.get(c)} vs {b.types.get(c)}" for c in a.columns if a.types.get(c) != b.types.get(c)
        ]
        if types:
            lines.append(f"  arrow types that differ ({labels[0]} vs {labels[1]}): " + "; ".join(types))
        for label, rows in ((labels[0], only_a), (labels[1], only_b)):
            for row in sorted(rows, key=lambda r: [sort_key(x) for x in r])[:MAX_DIFF_ROWS]:
                lines.append(f"  only in {label}: {fmt_row(a.columns, row)}")
            if len(rows) > MAX_DIFF_ROWS:
                lines.append(f"  ... and {len(rows) - MAX_DIFF_ROWS} more only in {label}")
        problems.append("\n".join(lines))
    return problems


def _project(c: Canonical, columns: list[str]) -> Canonical:
    idx = [c.columns.index(x) for x in columns]
    return Canonical(columns, [tuple(r[i] for i in idx) for r in c.rows], c.types)


def compare_phase(
    spec: Spec,
    d: PhaseResult,
    w: PhaseResult,
    dwin: list,
    wwin: list,
) -> list[str]:
    p = d.phase
    problems = []
    for dc, wc in zip(d.commands, w.commands, strict=True):
        if dc.ok != wc.ok:
            problems.append(
                f"phase {p} `{dc.command}`: dbt exit {dc.returncode}, weir exit {wc.returncode}\n"
                f"--- weir output (tail) ---\n{wc.tail()}\n--- dbt output (tail) ---\n{dc.tail(15)}"
            )
    if w.read_error:
        problems.append(f"phase {p}: reading weir's relations failed: {w.read_error}")
        return problems
    dk, wk = set(d.tables), set(w.tables)
    if dk != wk:
        problems.append(
            f"phase {p}: relations differ: only in dbt: {sorted(dk - wk)}, only in weir: {sorted(wk - dk)}"
        )
    strict = not loose_types(spec)
    for rel in sorted(dk & wk):
        if rel in spec.gated.get(p, []):
            continue  # weir kept the previous version on purpose (checked by check_unchanged)
        opaque = spec.opaque.get(rel, set())
        for prob in compare_table(rel, d.tables[rel], w.tables[rel], dwin, wwin, opaque, check_types=strict):
            problems.append(f"phase {p}: {prob}")
    return problems


def check_unchanged(spec: Spec, results: list[PhaseResult], label: str, *, weir: bool | None = None) -> list[str]:
    """Relations the spec says must survive a failing phase untouched (for weir also the
    ones its quality gate kept at their previous version; ``weir`` defaults to label == "weir")."""
    problems = []
    wins = clock_windows(results)
    for i, r in enumerate(results):
        gated = spec.gated.get(r.phase, []) if (label == "weir" if weir is None else weir) else []
        for rel in [*spec.unchanged.get(r.phase, []), *gated]:
            if i == 0 or rel not in results[i - 1].tables or rel not in r.tables:
                problems.append(f"phase {r.phase}: {label}: {rel} missing before or after the phase")
                continue
            for prob in compare_table(
                rel, results[i - 1].tables[rel], r.tables[rel], wins, wins, set(), ("before", "after"), True
            ):
                problems.append(f"phase {r.phase}: {label}: {rel} changed although it must stay intact: {prob}")
    return problems


def check_reference(spec: Spec, results: list[PhaseResult]) -> list[str]:
    """dbt is the reference: it must succeed except where the spec expects a failure."""
    problems = []
    for r in results:
        for c in r.commands:
            if c.ok == spec.must_fail(r.phase, c.command):
                want = "fail" if spec.must_fail(r.phase, c.command) else "succeed"
                problems.append(
                    f"reference dbt phase {r.phase} `{c.command}` should {want} but exited {c.returncode}:\n{c.tail()}"
                )
        if r.read_error:
            problems.append(f"reading dbt's DuckDB file after phase {r.phase} failed: {r.read_error}")
    return problems + check_unchanged(spec, results, "dbt")


# --------------------------------------------------------------------------- engine vs engine

#: weir on Spark for the engine-vs-engine mode: the process's running SparkContext is
#: reused (a Workspace gets a new session of it), so no JVM starts per phase
SPARK_TARGET: dict[str, Any] = {"type": "spark", "method": "session", "master": "local[2]", "threads": 2}


@contextlib.contextmanager
def patched_environ(env: dict[str, str | None]) -> Iterator[None]:
    """The spec's environment for an in-process run (null = unset), restored afterwards."""
    saved = {k: os.environ.get(k) for k in env}
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = str(value)
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class InProcessWeirSide(Side):
    """weir run in this process through ``weir.Workspace`` on a target written to the
    project's ``weir.yml`` (e.g. Spark): per phase one Workspace runs ``seed`` then ``build``
    (as ``weir seed`` and ``weir build`` would) and reads the relations back. A Spark
    workspace starts with a new session that knows no tables: it is shown the warehouse's
    tables first, as every CLI command's is."""

    def __init__(self, spec: Spec, workdir: Path, target: dict[str, Any], label: str = "spark") -> None:
        super().__init__(spec, workdir)
        self.label = label
        (workdir / "weir.yml").write_text(yaml.safe_dump({"targets": {"dev": dict(target)}}))

    def _workspace(self, phase: int) -> Any:
        from weir import Workspace

        return Workspace.load(self.workdir, target="dev", vars=self.spec.vars_for(phase))

    @staticmethod
    def run_command(ws: Any, command: str, phase: int) -> CommandResult:
        t0 = time.monotonic()
        argv = ["Workspace." + command, f"phase {phase}"]
        try:
            result = getattr(ws, command)()
        except Exception as exc:  # the CLI reports it and exits non-zero
            return CommandResult(command, argv, 1, "", f"{type(exc).__name__}: {exc}", time.monotonic() - t0)
        failed = [f"{r.resource_type} {r.name}: {r.status}: {r.message}" for r in result.results
                  if r.status in ("error", "fail")]
        return CommandResult(command, argv, 0 if result.success else 1, "\n".join(failed), "",
                             time.monotonic() - t0)

    def run_phase(self, phase: int) -> PhaseResult:
        apply_phase(self.spec.name, phase, self.workdir)
        started = time.time()
        tables: dict[RelKey, pa.Table] = {}
        error = None
        with patched_environ(self.spec.env):
            try:
                ws = self._workspace(phase)
            except Exception as exc:  # a load/config error: every command fails as the CLI's would
                failed = CommandResult("?", [], 1, "", f"{type(exc).__name__}: {exc}", 0.0)
                return PhaseResult(phase, [dataclasses.replace(failed, command=c) for c in COMMANDS], {},
                                   started, time.time(), f"loading the project failed: {failed.stderr}")
            with ws:
                results = [self.run_command(ws, c, phase) for c in COMMANDS]
                finished = time.time()
                try:
                    tables = {(s.lower(), n.lower()): ws.read_table(s, n) for s, n in ws.relations()}
                except Exception as exc:  # reported as a mismatch, with the phase it happened in
                    error = f"{type(exc).__name__}: {exc}"
        return PhaseResult(phase, results, tables, started, finished, error)


def compare_engines(spec: Spec, left: list[PhaseResult], right: list[PhaseResult],
                    labels: tuple[str, str] = ("duckdb", "spark")) -> list[str]:
    """weir on one engine vs weir on another, phase by phase: both must meet the spec's
    exit-code expectations, agree with each other, and hold equal relations (the spec's
    ``spark:`` key says where the engines legitimately differ); the right side must also
    keep the spec's ``unchanged``/``gated`` relations intact."""
    problems = []
    es = spec.spark
    lwin, rwin = clock_windows(left), clock_windows(right)
    for lr, rr in zip(left, right, strict=True):
        p = lr.phase
        for lc, rc in zip(lr.commands, rr.commands, strict=True):
            want_ok = not spec.must_fail(p, lc.command)
            if lc.ok != want_ok or rc.ok != want_ok:
                problems.append(
                    f"phase {p} `{lc.command}`: should {'succeed' if want_ok else 'fail'}; "
                    f"{labels[0]} exit {lc.returncode}, {labels[1]} exit {rc.returncode}\n"
                    f"--- {labels[1]} ---\n{rc.tail()}\n--- {labels[0]} (tail) ---\n{lc.tail(15)}"
                )
        for label, r in zip(labels, (lr, rr), strict=True):
            if r.read_error:
                problems.append(f"phase {p}: reading {label}'s relations failed: {r.read_error}")
        if lr.read_error or rr.read_error:
            continue
        lk, rk = set(lr.tables), set(rr.tables)
        if lk != rk:
            problems.append(f"phase {p}: relations differ: only in {labels[0]}: {sorted(lk - rk)}, "
                            f"only in {labels[1]}: {sorted(rk - lk)}")
        for rel in sorted(lk & rk):
            opaque = spec.opaque.get(rel, set()) | es.opaque.get(rel, set())
            ltab, rtab = lr.tables[rel], rr.tables[rel]
            for prob in compare_table(rel, ltab, rtab, lwin, rwin, opaque, labels, check_types=False):
                problems.append(f"phase {p}: {prob}")
            if not (loose_types(spec) or es.loose_types):
                problems += [f"phase {p}: {prob}" for prob in
                             _type_problems(rel, ltab, rtab, es.loose_columns.get(rel, set()), labels)]
    return problems + check_unchanged(spec, right, labels[1], weir=True)


def _type_problems(rel: RelKey, left: pa.Table, right: pa.Table, loose: set[str],
                   labels: tuple[str, str]) -> list[str]:
    ltypes = {f.name.lower(): type_key(f.type) for f in left.schema}
    rtypes = {f.name.lower(): type_key(f.type) for f in right.schema}
    diffs = [f"{c}: {ltypes[c]} vs {rtypes[c]}" for c in sorted(ltypes)
             if c in rtypes and c not in loose and ltypes[c] != rtypes[c]]
    if not diffs:
        return []
    return [f"{rel[0]}.{rel[1]}: column types differ ({labels[0]} vs {labels[1]}): " + "; ".join(diffs)]


def run_engines(name: str, root: Path, target: dict[str, Any] | None = None,
                duck_results: list[PhaseResult] | None = None, cache: Path | None = None) -> list[str]:
    """weir on DuckDB (the dbt-vs-weir suite's weir side, subprocesses) vs weir in this
    process on ``target`` (default: Spark ``local[2]``); returns the mismatches (empty = equal).
    The DuckDB side runs in a thread beside the in-process side, unless ``duck_results`` is given;
    ``cache``: see ``shared_weir_run``."""
    spec = load_spec(name)
    other = InProcessWeirSide(spec, root / "spark", target or SPARK_TARGET)
    if duck_results is None:
        with ThreadPoolExecutor(max_workers=1) as pool:
            fut = pool.submit(shared_weir_run, spec, root / "duck", cache)
            oth = other.run_all()
            duck_results = fut.result()
    else:
        oth = other.run_all()
    return compare_engines(spec, duck_results, oth)


# --------------------------------------------------------------------------- entry points


@contextlib.contextmanager
def workdirs(keep: bool = False) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="weir-diff-"))
    try:
        yield root
    finally:
        if keep:
            print(f"kept work dirs under {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def run_dbt(name: str, root: Path) -> tuple[Spec, list[PhaseResult]]:
    spec = load_spec(name)
    return spec, DbtSide(spec, root / "dbt").run_all()


def type_differences(dres: list[PhaseResult], wres: list[PhaseResult]) -> list[str]:
    """Arrow column types that differ between the two sides (informational: values decide)."""
    out = []
    for d, w in zip(dres, wres, strict=True):
        for rel in sorted(set(d.tables) & set(w.tables)):
            dt_ = {f.name.lower(): str(f.type) for f in d.tables[rel].schema}
            wt_ = {f.name.lower(): str(f.type) for f in w.tables[rel].schema}
            diffs = [f"{c}: {dt_[c]} vs {wt_[c]}" for c in sorted(dt_) if c in wt_ and dt_[c] != wt_[c]]
            if diffs:
                out.append(f"phase {d.phase} {rel[0]}.{rel[1]} (dbt vs weir): " + "; ".join(diffs))
    return out


def run_differential(name: str, root: Path, notes: list[str] | None = None, cache: Path | None = None) -> list[str]:
    """Runs both sides over all phases; returns the list of mismatches (empty = equal).

    If `notes` is given, the column type differences are appended to it; ``cache``: see
    ``shared_weir_run``.
    """
    spec = load_spec(name)
    dbt_side = DbtSide(spec, root / "dbt")
    with ThreadPoolExecutor(max_workers=2) as pool:
        fd = pool.submit(dbt_side.run_all)
        fw = pool.submit(shared_weir_run, spec, root / "weir", cache)
        dres, wres = fd.result(), fw.result()
    problems = check_reference(spec, dres)
    if problems:
        return ["the dbt reference run itself is broken:", *problems]
    if notes is not None:
        notes.extend(type_differences(dres, wres))
    dwin, wwin = clock_windows(dres), clock_windows(wres)
    for d, w in zip(dres, wres, strict=True):
        problems += compare_phase(spec, d, w, dwin, wwin)
    problems += check_unchanged(spec, wres, "weir")
    return problems


def summarize(label: str, results: list[PhaseResult]) -> str:
    lines = []
    for r in results:
        cmds = ", ".join(f"{c.command} exit {c.returncode} ({c.seconds:.1f}s)" for c in r.commands)
        lines.append(f"[{label}] phase {r.phase}: {cmds}")
        if r.read_error:
            lines.append(f"    read error: {r.read_error}")
        for (schema, name), t in sorted(r.tables.items()):
            lines.append(f"    {schema}.{name}: {t.num_rows} rows, {t.num_columns} columns")
    return "\n".join(lines)


def show_tables(spec: Spec, results: list[PhaseResult]) -> str:
    """Every relation after every phase, normalised the way the comparison sees it."""
    wins = clock_windows(results)
    lines = []
    for r in results:
        for rel, table in sorted(r.tables.items()):
            c = canonicalize(table, wins, spec.opaque.get(rel, set()))
            lines.append(f"== phase {r.phase} {rel[0]}.{rel[1]} ==")
            lines.append("   " + ", ".join(f"{k}: {c.types[k]}" for k in c.columns))
            for row in sorted(c.rows, key=lambda x: [sort_key(v) for v in x]):
                lines.append("   " + fmt_row(c.columns, row))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("project", help="project name under tests/differential/projects, or 'all'")
    ap.add_argument("--dbt-only", action="store_true", help="run only the dbt side and print row counts")
    ap.add_argument("--keep", action="store_true", help="keep the temporary work dirs")
    ap.add_argument("-v", "--verbose", action="store_true", help="print dbt's output tails")
    ap.add_argument("--show", action="store_true", help="with --dbt-only: print every relation's rows")
    ap.add_argument("--types", action="store_true", help="also list column types that differ (not a failure)")
    ap.add_argument("--spark", action="store_true",
                    help="weir on DuckDB vs weir on Spark local[2] in this process (no dbt; needs weir[spark])")
    args = ap.parse_args(argv)
    names = project_names() if args.project == "all" else [args.project]
    status = 0
    for name in names:
        with workdirs(args.keep) as root:
            if args.spark:
                problems = run_engines(name, root)
            elif args.dbt_only:
                spec, results = run_dbt(name, root)
                print(summarize(f"{name} dbt", results))
                if args.show:
                    print(show_tables(spec, results))
                if args.verbose:
                    for r in results:
                        for c in r.commands:
                            print(f"--- phase {r.phase} {c.command} ---\n{c.tail(60)}")
                problems = check_reference(spec, results)
            else:
                notes: list[str] = []
                problems = run_differential(name, root, notes)
                if args.types:
                    print(f"[{name}] column types that differ:", *(notes or ["none"]), sep="\n  ")
            if problems:
                status = 1
                print(f"[{name}] {len(problems)} problem(s):")
                print("\n".join(problems))
            else:
                print(f"[{name}] OK")
    return status


if __name__ == "__main__":
    sys.exit(main())

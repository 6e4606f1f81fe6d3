"""Seeds: CSV files loaded as tables, with dbt's type inference.

dbt infers each column's type with agate (Number -> integer or double by decimal
places, Date ``%Y-%m-%d``, DateTime ``%Y-%m-%d %H:%M:%S`` or ISO-8601, Boolean
``true``/``false``, else text; ``""`` and ``null`` are missing values) and dbt-duckdb
then loads the file with DuckDB's CSV reader into those types. weir does the same
two steps with its own code, so seeds give the same tables.
"""

from __future__ import annotations

import csv
import datetime
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa

from weir.errors import EngineError, SeedError
from weir.graph import Node
from weir.materialize.gate import audit, gate_for
from weir.materialize.runtime import NodeResult, Runtime
from weir.sql.relation import Relation, literal, quote

_NULLS = ("", "null")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")


def _is_null(v: str) -> bool:
    return v.strip().lower() in _NULLS


def _number(v: str) -> Decimal | None:
    d = v.strip().strip("%")
    if d.startswith("-"):
        d = d[1:]
    d = d.strip("$£€¥").replace(",", "")
    try:
        return Decimal(d)
    except (InvalidOperation, ValueError):
        return None


def _decimals(n: Decimal) -> int:
    exponent = n.normalize().as_tuple().exponent  # agate counts places of the normalized value
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _is_date(v: str) -> bool:
    try:
        datetime.datetime.strptime(v.strip(), "%Y-%m-%d")
        return True
    except ValueError:
        return False


def _is_datetime(v: str) -> bool:
    s = v.strip()
    try:
        datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")
        return True
    except ValueError:
        return bool(_ISO.match(s))


def _is_bool(v: str) -> bool:
    return v.replace(",", "").strip().lower() in ("true", "false")


def infer_type(values: list[str]) -> str:
    """The DuckDB type dbt-duckdb gives a seed column with these raw values."""
    present = [v for v in values if not _is_null(v)]
    if not values:
        return "INTEGER"
    if not present:
        return "INTEGER"  # agate: Number with no values -> no decimals -> integer
    numbers = [_number(v) for v in present]
    if all(n is not None for n in numbers):
        return "DOUBLE" if any(_decimals(n) for n in numbers if n is not None) else "INTEGER"
    if all(_is_date(v) for v in present):
        return "DATE"
    if all(_is_datetime(v) for v in present):
        return "TIMESTAMP"
    if all(_is_bool(v) for v in present):
        return "BOOLEAN"
    return "VARCHAR"


def read_header_and_types(path: Path, delimiter: str, display: str) -> tuple[list[str], list[str], int]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise SeedError("seed file is empty: it needs at least a header row", path=display) from None
        except csv.Error as exc:
            raise SeedError(f"malformed CSV header: {exc}", path=display, line=1) from None
        columns: list[list[str]] = [[] for _ in header]
        rows = 0
        try:
            for row in reader:
                if not row:
                    continue
                rows += 1
                if len(row) != len(header):
                    raise SeedError(
                        f"row {rows} has {len(row)} fields but the header has {len(header)}",
                        path=display, line=reader.line_num,
                        hint="quote fields that contain the delimiter, or fix the row",
                    )
                for i, v in enumerate(row):
                    columns[i].append(v)
        except csv.Error as exc:
            raise SeedError(f"malformed CSV: {exc}", path=display, line=reader.line_num) from None
    names = list(header)  # dbt keeps header names as written, spaces included
    if len(set(n.lower() for n in names)) != len(names):
        raise SeedError(f"duplicate column names in header: {names}", path=display, line=1)
    return names, [infer_type(c) for c in columns], rows


def materialize_seed(rt: Runtime, node: Node, result: NodeResult) -> None:
    path = Path(node.root_path) / node.path
    delimiter = str(node.config.get("delimiter") or ",")
    names, types, _ = read_header_and_types(path, delimiter, node.path)
    overrides = {str(k).lower(): str(v) for k, v in (node.config.get("column_types") or {}).items()}
    relation = rt.relation(node)
    if not rt.full_refresh and rt.format_for(node).exists(relation):
        # dbt truncates and reloads an existing seed table, so its column types stay
        existing = {c.name.lower(): c.data_type for c in rt.engine.columns(relation)}
        if set(existing) == {n.lower() for n in names}:
            types = [existing[n.lower()] for n in names]
    types = [overrides.get(n.lower(), t) for n, t in zip(names, types, strict=False)]
    spec = ", ".join(f"{literal(n)}: {literal(t)}" for n, t in zip(names, types, strict=False))
    sql = (f"select * from read_csv({literal(str(path))}, header = true, delim = {literal(delimiter)}, "
           f"quote = '\"', escape = '\"', auto_detect = false, columns = {{{spec}}})")
    try:
        if rt.writes_files:  # an engine without DuckDB's CSV reader: Arrow reads, the engine casts
            staged = _stage_csv(rt, node, path, delimiter, names, types)
        else:
            staged = rt.engine.stage(node.unique_id, sql)
    except EngineError as exc:
        raise SeedError(_seed_error(str(exc)), path=node.path, node=node.name,
                        hint="fix the value, or set +column_types for that column in dbt_project.yml") from None
    try:
        gate = gate_for(rt, node)
        staged = audit(rt, gate, staged)
        commit = rt.write_table(node, staged)
        # the engine wrote the files and counted them: no second pass over the rows
        known = commit.rows_written if rt.writes_files else None
        result.rows = known if known is not None else rt.engine.count(staged)
        result.version = commit.version
        if gate.quarantined:
            result.quarantined = gate.quarantined
            result.message = f"{gate.quarantined} rows quarantined"
    finally:
        rt.engine.unstage(staged)


def _stage_csv(rt: Runtime, node: Node, path: Path, delimiter: str, names: list[str], types: list[str]) -> Relation:
    """The CSV read as text by Arrow (empty fields and ``""`` are null, as DuckDB reads
    them), then cast to the seed's column types by the engine."""
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        path, parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[""],
                                             strings_can_be_null=True, quoted_strings_can_be_null=True))
    raw = rt.engine.stage_arrow(node.unique_id + "_csv", table)
    try:
        casts = ", ".join(f"cast({quote(n)} as {t}) as {quote(n)}" for n, t in zip(names, types, strict=False))
        return rt.engine.stage(node.unique_id, f"select {casts} from {raw}")
    finally:
        rt.engine.unstage(raw)


def _seed_error(text: str) -> str:
    # DuckDB names line and column of a bad value; keep its first sentence and the location.
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    keep = [ln for ln in lines if ln.lower().startswith(("conversion error", "error when converting", "line",
                                                           "column", "invalid input", "could not convert"))]
    return "; ".join(keep[:3] or lines[:2])



__all__ = ["infer_type", "materialize_seed", "quote"]

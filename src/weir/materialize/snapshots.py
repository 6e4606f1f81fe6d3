"""Snapshots: slowly changing dimensions type 2, with dbt's columns and rules.

Strategies ``timestamp`` and ``check``; hard deletes ``ignore``, ``invalidate`` and
``new_record``. The change set is computed in the engine; the new table version is
published in one commit, so a failed snapshot leaves the previous one intact.
"""

from __future__ import annotations

from typing import Any

from weir.errors import ConfigError, EngineError
from weir.graph import Node
from weir.materialize.gate import audit, gate_for
from weir.materialize.runtime import NodeResult, Runtime
from weir.sql.relation import Relation, quote

NOW = "cast(now() as timestamp)"
META_COLUMNS = ("dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_is_deleted")


def _keys(node: Node) -> list[str]:
    key = node.config.get("unique_key")
    if not key:
        raise ConfigError("snapshot needs unique_key", path=node.path, node=node.name)
    return [key] if isinstance(key, str) else [str(k) for k in key]


def _hash(parts: list[str]) -> str:
    inner = " || '|' || ".join(f"coalesce(cast({p} as varchar), '')" for p in parts)
    return f"md5({inner})"


def _hard_deletes(node: Node) -> str:
    mode = node.config.get("hard_deletes")
    if mode is None:
        mode = "invalidate" if node.config.get("invalidate_hard_deletes") else "ignore"
    if mode not in ("ignore", "invalidate", "new_record"):
        raise ConfigError(f"invalid hard_deletes {mode!r}", path=node.path, node=node.name,
                          hint="use ignore, invalidate or new_record")
    return str(mode)


class _Strategy:
    def __init__(self, rt: Runtime, node: Node, source_sql: str) -> None:
        self.node = node
        self.keys = _keys(node)
        self.key_expr = self.keys[0] if len(self.keys) == 1 else " || '|' || ".join(
            f"coalesce(cast({k} as varchar), '')" for k in self.keys)
        kind = node.config.get("strategy")
        self.kind = str(kind)
        if kind == "timestamp":
            updated = node.config.get("updated_at")
            if not updated:
                raise ConfigError("timestamp snapshots need updated_at", path=node.path, node=node.name)
            self.updated_at = str(updated)
            self.check_cols: list[str] = []
        elif kind == "check":
            self.updated_at = NOW
            cols = node.config.get("check_cols")
            if cols == "all":
                self.check_cols = [c.name for c in rt.engine.columns(source_sql)]
            elif isinstance(cols, list) and cols:
                self.check_cols = [str(c) for c in cols]
            else:
                raise ConfigError("check snapshots need check_cols: a list of columns or 'all'",
                                  path=node.path, node=node.name)
        else:
            raise ConfigError(f"invalid snapshot strategy {kind!r}", path=node.path, node=node.name,
                              hint="use strategy='timestamp' or strategy='check'")
        self.hard_deletes = _hard_deletes(node)
        self.valid_to_current = node.config.get("dbt_valid_to_current")
        names = node.config.get("snapshot_meta_column_names") or {}
        self.col = {k: str(names.get(k) or k) for k in META_COLUMNS}

    def check_changed(self) -> str:
        terms = []
        for c in self.check_cols:
            a, b = f"s.{quote(c)}", f"n.{quote(c)}"
            terms.append(f"({a} != {b} or ({a} is null) != ({b} is null))")
        return "(" + " or ".join(terms) + ")"

    def valid_to_initial(self) -> str:
        if self.valid_to_current:
            return f"cast({self.valid_to_current} as timestamp)"
        return "cast(null as timestamp)"


def materialize_snapshot(rt: Runtime, node: Node, result: NodeResult) -> None:
    source_sql = rt.compiler.compile(node)
    path = rt.compiler.write_compiled(node, source_sql)
    result.compiled_path = str(path)
    strat = _Strategy(rt, node, source_sql)
    fmt = rt.format_for(node)
    relation = rt.relation(node)
    key_join = " and ".join(f"s.{quote(k)} = n.{quote(k)}" for k in strat.keys)
    deleted_flag = strat.hard_deletes == "new_record"
    if not fmt.exists(relation):
        extra = ", 'False' as dbt_is_deleted" if deleted_flag else ""
        sql = (f"select *, {_hash([strat.key_expr, strat.updated_at])} as dbt_scd_id, "
               f"{strat.updated_at} as dbt_updated_at, {strat.updated_at} as dbt_valid_from, "
               f"{strat.valid_to_initial()} as dbt_valid_to{extra} from (\n{source_sql}\n) as sbq")
    else:
        sql = _incremental_sql(rt, strat, source_sql, relation, key_join)
    present = set(META_COLUMNS if strat.hard_deletes == "new_record" else META_COLUMNS[:4])
    sql = _renamed(f"select * from (\n{sql}\n) as snap", strat.col, present, to_custom=True)
    rt.compiler.write_compiled(node, sql, kind="run")
    try:
        staged = rt.engine.stage(node.unique_id, sql)
    except EngineError as exc:
        exc.node, exc.path, exc.sql_path = node.name, node.path, str(path)
        raise
    try:
        staged = audit(rt, gate_for(rt, node), staged)
        commit = rt.write_table(node, staged)
        # the engine wrote the files and counted them: no second pass over the rows
        known = commit.rows_written if rt.writes_files else None
        result.rows = known if known is not None else rt.engine.count(staged)
        result.version = commit.version
    finally:
        rt.engine.unstage(staged)


def _incremental_sql(rt: Runtime, st: _Strategy, source_sql: str, target: Relation, key_join: str) -> str:
    """The whole next version of the snapshot table."""
    # the SQL below speaks dbt's default column names; custom ones are renamed on the way
    # in and out (snapshot_meta_column_names)
    actual = [c.name for c in rt.engine.columns(target)]
    cols = [{v: k for k, v in st.col.items()}.get(c, c) for c in actual]
    target_sql = _renamed(f"select * from {target}", st.col, set(actual), to_custom=False)
    src_cols = [c.name for c in rt.engine.columns(source_sql)]
    current = (f"(s.dbt_valid_to is null or s.dbt_valid_to = cast({st.valid_to_current} as timestamp))"
               if st.valid_to_current else "s.dbt_valid_to is null")
    upd = st.updated_at if st.kind == "check" else f"n.{quote(st.updated_at)}"
    changed = (f"(s.dbt_valid_from < {upd})" if st.kind == "timestamp" else st.check_changed())
    new_record = st.hard_deletes == "new_record"
    if new_record:
        changed = f"({changed} or s.dbt_is_deleted = 'True')"
    n_scd = _hash([" || '|' || ".join(f"coalesce(cast(n.{quote(k)} as varchar), '')" for k in st.keys)
                   if len(st.keys) > 1 else f"n.{quote(st.keys[0])}", upd])
    valid_to_new = f"cast({st.valid_to_current} as timestamp)" if st.valid_to_current else "cast(null as timestamp)"
    src_list = ", ".join(f"n.{quote(c)}" for c in src_cols)
    flag = ", 'False' as dbt_is_deleted" if new_record else ""
    key_null = " and ".join(f"s.{quote(k)} is null" for k in st.keys)
    src_key_null = " and ".join(f"n.{quote(k)} is null" for k in st.keys)
    parts = [
        f"""with n as ({source_sql}),
s as (select * from ({target_sql}) as s where {current}),
closing as (
    select s.dbt_scd_id, {upd} as new_valid_to from s join n on {key_join} where {changed}
    {"" if st.hard_deletes == "ignore" else f'''union all
    select s.dbt_scd_id, {NOW} from s left join n on {key_join}
    where {src_key_null}{" and not (s.dbt_is_deleted = 'True')" if new_record else ""}'''}
),
inserts as (
    select {src_list}, {n_scd} as dbt_scd_id, {upd} as dbt_updated_at, {upd} as dbt_valid_from,
           {valid_to_new} as dbt_valid_to{flag}
    from n left join s on {key_join}
    where {key_null} or {changed}
)"""
    ]
    if new_record:
        snap_cols = ", ".join(f"s.{quote(c)}" for c in src_cols if c in cols)
        parts.append(f""",
deletions as (
    select {snap_cols}, {_hash(['s.dbt_scd_id', NOW])} as dbt_scd_id, {NOW} as dbt_updated_at,
           {NOW} as dbt_valid_from, {valid_to_new} as dbt_valid_to, 'True' as dbt_is_deleted
    from s left join n on {key_join}
    where {src_key_null} and not (s.dbt_is_deleted = 'True')
)""")
    body = "\n".join(parts)
    keep = ", ".join(
        f"case when c.new_valid_to is not null and ({'t.dbt_valid_to is null' if not st.valid_to_current else 't.dbt_valid_to is null or t.dbt_valid_to = cast(' + str(st.valid_to_current) + ' as timestamp)'}) "
        f"then c.new_valid_to else t.dbt_valid_to end as dbt_valid_to" if c == "dbt_valid_to" else f"t.{quote(c)}"
        for c in cols)
    out = (f"{body}\nselect {keep} from ({target_sql}) t left join closing c on t.dbt_scd_id = c.dbt_scd_id\n"
           f"union all by name select * from inserts")
    if new_record:
        out += "\nunion all by name select * from deletions"
    return out


def _renamed(sql: str, names: dict[str, str], present: set[str], *, to_custom: bool) -> str:
    """Wrap ``select * ...`` renaming dbt's default meta column names to custom ones or back."""
    pairs = [(k, v) if to_custom else (v, k) for k, v in names.items() if k != v]
    pairs = [(a, b) for a, b in pairs if a in present]
    if not pairs:
        return sql
    rename = ", ".join(f"{quote(a)} as {quote(b)}" for a, b in pairs)
    return sql.replace("select *", f"select * rename ({rename})", 1)


__all__: list[Any] = ["materialize_snapshot"]

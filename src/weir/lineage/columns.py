"""Column lineage of one SQL query, from sqlglot's qualifier and scopes.

Every table the query reads is first renamed to a placeholder (``__weir.n0``, ``__weir.n1``,
...) that stands for a known upstream node, so quoting, catalogs, file-reading functions
and ephemeral CTE names all resolve the same way; then ``qualify`` expands ``select *``
with the schemas given, and a walk over the scopes follows each output column through
CTEs, subqueries, joins, aggregates, window functions and unions to upstream columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope, find_all_in_scope

from weir.lineage.model import ColumnRef, NodeLineage, stronger

PLACEHOLDER_DB = "__weir"
_PASS_THROUGH = (exp.Alias, exp.Paren, exp.Column)
_ROW_CLAUSES = (("where", "filter"), ("having", "filter"), ("qualify", "filter"), ("group", "group_by"))


def table_key(table: exp.Table, dialect: str) -> str:
    """The lookup key of a table reference: ``schema.name`` lower-cased, or a function's SQL."""
    if isinstance(table.this, exp.Identifier):
        parts = [table.db, table.name] if table.db else [table.name]
        return ".".join(p.lower() for p in parts)
    return table.this.sql(dialect=dialect)


def relation_key(rendered: str, dialect: str = "duckdb") -> str | None:
    """The :func:`table_key` of a relation as the compiler renders it (``"main"."orders"``,
    ``read_parquet('...')``, an ephemeral CTE name); None if it does not parse as a table."""
    try:
        table = sqlglot.parse_one(f"select * from {rendered}", read=dialect).find(exp.Table)
    except SqlglotError:
        return None
    return table_key(table, dialect) if table is not None else None


def analyze(sql: str, unique_id: str, relations: Mapping[str, str],
            schemas: Mapping[str, Mapping[str, str]], *, dialect: str = "duckdb") -> NodeLineage:
    """Trace every output column of ``sql`` to columns of known upstream nodes.

    ``relations`` maps table keys (see :func:`table_key`) to unique ids; ``schemas`` maps
    unique ids to ``{column: type}``. Tables or schemas not given leave the lineage marked
    incomplete with a note, never an error.
    """
    out = NodeLineage(unique_id)
    try:
        query = _parse(sql, dialect)
        placeholders = _rename_tables(query, relations, dialect)
        known = {name: dict(schemas[uid]) for name, uid in placeholders.items() if schemas.get(uid)}
        schema: dict[str, object] | None = {PLACEHOLDER_DB: known} if known else None
        query = qualify(query, schema=schema, dialect=dialect, validate_qualify_columns=False,
                        identify=False)
        root = build_scope(query)
    except (SqlglotError, ValueError) as exc:
        out.complete = False
        out.notes.append(f"SQL could not be analysed: {str(exc).splitlines()[0]}")
        return out
    if root is None:
        out.complete = False
        out.notes.append("not a query: no column lineage")
        return out
    walker = _Walker(placeholders, out)
    names = _named_selects(root)
    for name in names:
        if name == "*":
            out.complete = False
            continue
        out.columns[name] = sorted(set(walker.resolve(root, name)))
    if "*" in names:
        out.notes.append("select * over a relation of unknown schema: its columns are not listed")
    out.row_inputs = sorted(set(walker.row_inputs(root)))
    return out


def _parse(sql: str, dialect: str) -> exp.Query:
    statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    queries = [s for s in statements if isinstance(s, exp.Query)]
    if not queries:
        raise ValueError("no SELECT statement found")
    return queries[-1]


def _rename_tables(query: exp.Query, relations: Mapping[str, str], dialect: str) -> dict[str, str]:
    """Replace known tables by placeholders in place; returns placeholder -> unique id."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    by_uid: dict[str, str] = {}
    for table in list(query.find_all(exp.Table)):
        if not table.db and table.name.lower() in ctes:
            continue
        uid = relations.get(table_key(table, dialect))
        if uid is None:
            continue
        name = by_uid.setdefault(uid, f"n{len(by_uid)}")
        alias = table.alias or (table.name if isinstance(table.this, exp.Identifier) else name)
        table.replace(exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(PLACEHOLDER_DB),
                                alias=exp.TableAlias(this=exp.to_identifier(alias))))
    return {name: uid for uid, name in by_uid.items()}


@dataclass
class _Walker:
    placeholders: dict[str, str]
    out: NodeLineage
    memo: dict[tuple[int, str], list[ColumnRef]] = field(default_factory=dict)

    def resolve(self, scope: Scope, name: str) -> list[ColumnRef]:
        """Upstream columns that output column ``name`` of ``scope`` is computed from."""
        key = (id(scope), name)
        if key not in self.memo:
            self.memo[key] = []  # a recursive reference (recursive CTE) stops here
            self.memo[key] = self._resolve(scope, name)
        return self.memo[key]

    def _resolve(self, scope: Scope, name: str) -> list[ColumnRef]:
        query = scope.expression
        if isinstance(query, exp.SetOperation):
            names = query.named_selects
            index = names.index(name) if name in names else -1
            refs: list[ColumnRef] = []
            for arm in scope.set_operation_scopes:
                arm_names = _named_selects(arm)
                if 0 <= index < len(arm_names):
                    refs += self.resolve(arm, arm_names[index])
            return refs
        if not isinstance(query, exp.Select):
            return []
        select = next((s for s in query.selects if s.alias_or_name == name), None)
        if select is None:
            return self._through_star(scope, name)
        refs = []
        for column in find_all_in_scope(select, exp.Column):
            refs += self._column(scope, column, _kind(column, select))
        subqueries = {id(s.expression): s for s in scope.subquery_scopes}
        for sub in find_all_in_scope(select, *exp.UNWRAPPED_QUERIES):
            if (sub_scope := subqueries.get(id(sub))) is not None:
                for sub_name in sub.named_selects:
                    refs += [_with_kind(r, "derived") for r in self.resolve(sub_scope, sub_name)]
        return refs

    def _column(self, scope: Scope, column: exp.Column, kind: str) -> list[ColumnRef]:
        source = scope.sources.get(column.table)
        selected = _selected(scope)
        if source is None and not column.table and len(selected) == 1:
            source = selected[0]  # unknown schema, but only one place to look
        if isinstance(source, Scope):
            return [_with_kind(r, kind) for r in self.resolve(source, column.name)]
        if isinstance(source, exp.Table):
            return [ColumnRef(self._node_of(source), column.name, kind)]
        if not column.table and len(selected) > 1 and column.name not in self._aliases(scope):
            self._note(f"column {column.name!r} is ambiguous without the upstream schemas")
        return []

    def _through_star(self, scope: Scope, name: str) -> list[ColumnRef]:
        """``select *`` left unexpanded (unknown schema): a column passes through its one source."""
        selected = _selected(scope)
        if len(selected) != 1:
            self._note(f"column {name!r} comes from a select * over several relations of unknown schema")
            return []
        source = selected[0]
        if isinstance(source, Scope):
            return self.resolve(source, name)
        return [ColumnRef(self._node_of(source), name, "direct")]

    def row_inputs(self, root: Scope) -> list[ColumnRef]:
        """Upstream columns used in WHERE, HAVING, QUALIFY, GROUP BY and JOIN ... ON."""
        refs: list[ColumnRef] = []
        for scope in root.traverse():
            query = scope.expression
            if not isinstance(query, exp.Select):
                continue
            clauses = [(query.args.get(arg), kind) for arg, kind in _ROW_CLAUSES]
            clauses += [(join.args.get("on"), "join") for join in query.args.get("joins") or ()]
            for clause, kind in clauses:
                if clause is None:
                    continue
                for column in find_all_in_scope(clause, exp.Column):
                    refs += [ColumnRef(r.node, r.column, kind) for r in self._column(scope, column, "direct")]
        return refs

    def _node_of(self, table: exp.Table) -> str:
        if table.db == PLACEHOLDER_DB and table.name in self.placeholders:
            return self.placeholders[table.name]
        name = table.sql(dialect="duckdb") if not isinstance(table.this, exp.Identifier) else table_key(table, "")
        self._note(f"{name} is not a node of the project: its columns are listed by name only")
        return name

    @staticmethod
    def _aliases(scope: Scope) -> set[str]:
        query = scope.expression
        return {s.alias_or_name for s in query.selects} if isinstance(query, exp.Select) else set()

    def _note(self, text: str) -> None:
        self.out.complete = False
        if text not in self.out.notes:
            self.out.notes.append(text)


def _named_selects(scope: Scope) -> list[str]:
    query = scope.expression
    return list(query.named_selects) if isinstance(query, exp.Query) else []


def _selected(scope: Scope) -> list[exp.Table | Scope]:
    """The sources a scope's FROM and JOINs read (``scope.sources`` also holds visible CTEs)."""
    return [source for _, source in scope.selected_sources.values()]


def _kind(column: exp.Column, top: exp.Expr) -> str:
    """How a projection uses a column: copied, computed from, aggregated or windowed."""
    kind = "direct"
    node: exp.Expr | None = column
    while node is not None and node is not top:
        node = node.parent
        if isinstance(node, exp.Window):
            return "window"
        if isinstance(node, exp.AggFunc):
            kind = "aggregated"
        elif kind == "direct" and not isinstance(node, _PASS_THROUGH):
            kind = "derived"
    return kind


def _with_kind(ref: ColumnRef, kind: str) -> ColumnRef:
    return ColumnRef(ref.node, ref.column, stronger(kind, ref.kind))

"""weir's built-in macro library (src/weir/sql/macros): every file parses as Jinja
and each namespace defines the macros projects rely on. No database, no dbt."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2
import jinja2.nodes
import pytest

MACRO_DIR = Path(__file__).resolve().parents[3] / "src" / "weir" / "sql" / "macros"

_TEST_OPEN = re.compile(r"\{%-? *test +(\w+)")
_TEST_CLOSE = re.compile(r"\bendtest\b")


def _as_macros(text: str) -> str:
    """weir's conversion: `{% test x(...) %}` is the macro `test_x`."""
    return _TEST_CLOSE.sub("endmacro", _TEST_OPEN.sub(r"{% macro test_\1", text))


def _env() -> jinja2.Environment:
    return jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])


def _files(namespace: str) -> list[Path]:
    return sorted((MACRO_DIR / namespace).glob("*.sql"))


@functools.cache
def _macro_names(namespace: str) -> frozenset[str]:
    env = _env()
    names: set[str] = set()
    for path in _files(namespace):
        tree = env.parse(_as_macros(path.read_text(encoding="utf-8")))
        names.update(m.name for m in tree.find_all(jinja2.nodes.Macro))
    return frozenset(names)


ALL_FILES = _files("dbt") + _files("dbt_utils")


def test_both_namespaces_have_files() -> None:
    assert _files("dbt") and _files("dbt_utils")


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_file_parses_as_jinja(path: Path) -> None:
    _env().parse(_as_macros(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_macro_defined_twice(path: Path) -> None:
    tree = _env().parse(_as_macros(path.read_text(encoding="utf-8")))
    names = [m.name for m in tree.find_all(jinja2.nodes.Macro)]
    assert len(names) == len(set(names))


DBT_DISPATCHED = """
    concat hash safe_cast cast type_string type_timestamp type_int type_bigint type_float
    type_numeric type_boolean cast_bool_to_text date_trunc dateadd datediff
    current_timestamp split_part replace length position right listagg any_value bool_or
    escape_single_quotes string_literal last_day except intersect get_intervals_between
    generate_series get_powers_of_two date_spine date equals array_construct array_append
    array_concat generate_schema_name generate_alias_name generate_database_name
""".split()
DBT_TESTS = ["not_null", "unique", "accepted_values", "relationships"]

UTILS_DISPATCHED = """
    generate_surrogate_key star get_filtered_columns_in_relation date_spine generate_series
    get_intervals_between get_column_values get_single_value get_query_results_as_dict
    union_relations deduplicate pivot unpivot safe_add safe_subtract safe_divide group_by
    haversine_distance get_url_parameter get_url_host get_url_path
""".split()
UTILS_PLAIN = ["slugify", "surrogate_key", "pretty_time", "pretty_log_format", "log_info"]
UTILS_TESTS = """
    expression_is_true unique_combination_of_columns accepted_range not_accepted_values
    not_null_proportion not_constant not_empty_string at_least_one equal_rowcount
    fewer_rows_than equality cardinality_equality relationships_where recency
    sequential_values mutually_exclusive_ranges
""".split()


def test_dbt_namespace_macros() -> None:
    names = _macro_names("dbt")
    expected = set(DBT_DISPATCHED) | {f"default__{n}" for n in DBT_DISPATCHED}
    expected |= {f"test_{t}" for t in DBT_TESTS} | {f"default__test_{t}" for t in DBT_TESTS}
    expected |= {"generate_schema_name_for_env", "default_last_day", "current_timestamp_backcompat"}
    assert not expected - names, sorted(expected - names)


def test_dbt_utils_namespace_macros() -> None:
    names = _macro_names("dbt_utils")
    expected = set(UTILS_DISPATCHED) | {f"default__{n}" for n in UTILS_DISPATCHED} | set(UTILS_PLAIN)
    expected |= {f"test_{t}" for t in UTILS_TESTS} | {f"default__test_{t}" for t in UTILS_TESTS}
    assert not expected - names, sorted(expected - names)


def test_dispatch_names_match_their_macro() -> None:
    """`adapter.dispatch('x', ns)` in a file must have a `default__x` in the same namespace."""
    pattern = re.compile(r"adapter\.dispatch\('(\w+)', '(\w+)'\)")
    for namespace in ("dbt", "dbt_utils"):
        names = _macro_names(namespace)
        for path in _files(namespace):
            for name, ns in pattern.findall(path.read_text(encoding="utf-8")):
                assert ns == namespace, f"{path.name}: dispatch of {name} to {ns}"
                assert f"default__{name}" in names, f"{path.name}: no default__{name}"


def test_no_namespaced_call_to_underscore_macro() -> None:
    """Jinja does not export top-level macros whose name starts with "_", so the
    built-ins never call `dbt_utils._x(...)` / `dbt._x(...)` themselves."""
    pattern = re.compile(r"\b(?:dbt|dbt_utils)\._\w+")
    for path in ALL_FILES:
        text = path.read_text(encoding="utf-8")
        assert not pattern.findall(text), f"{path.name}: {pattern.findall(text)}"


_ENV = _env()


@functools.cache
def _namespace_template(namespace: str) -> jinja2.Template:
    """All macros of a namespace in one template that, when rendered, hands every
    top-level macro to `collected` (Jinja modules hide names starting with "_")."""
    src = "\n".join(_as_macros(p.read_text(encoding="utf-8")) for p in _files(namespace))
    names = sorted(_macro_names(namespace))
    src += "{% do collected.update({" + ", ".join(f"'{n}': {n}" for n in names) + "}) %}"
    return _ENV.from_string(src)


def _render(namespace: str, call: str, **context: object) -> str:
    """Render one call with the namespace's macros, a minimal `adapter.dispatch`
    and `return()`; enough for macros that only build SQL text."""

    class _Return(Exception):
        def __init__(self, value: object) -> None:
            self.value = value

    def do_return(value: object) -> None:
        raise _Return(value)

    module_by_ns: dict[str, dict[str, object]] = {}

    def wrap(fn: object) -> object:
        def call_macro(*args: object, **kwargs: object) -> object:
            try:
                return fn(*args, **kwargs)  # type: ignore[operator]
            except _Return as r:
                return r.value

        return call_macro

    def load(ns: str) -> dict[str, object]:
        if ns not in module_by_ns:
            module_by_ns[ns] = {}
            collected: dict[str, object] = {}
            _namespace_template(ns).render({**glob, "collected": collected})
            module_by_ns[ns].update({n: wrap(m) for n, m in collected.items()})
        return module_by_ns[ns]

    class _Namespace:
        def __init__(self, ns: str) -> None:
            self._ns = ns

        def __getattr__(self, name: str) -> object:
            return load(self._ns)[name]

    class _Adapter:
        @staticmethod
        def dispatch(name: str, ns: str) -> object:
            macros = load(ns)
            return macros.get(f"duckdb__{name}") or macros[f"default__{name}"]

        @staticmethod
        def quote(x: str) -> str:
            return f'"{x}"'

    glob: dict[str, object] = {
        "adapter": _Adapter(),
        "return": do_return,
        "dbt": _Namespace("dbt"),
        "dbt_utils": _Namespace("dbt_utils"),
        "execute": False,
        "var": lambda name, default=None: default,
        **context,
    }
    load(namespace)
    out = _ENV.from_string("{{ " + call + " }}").render(glob)
    return " ".join(out.split())


def test_surrogate_key_sql_text() -> None:
    sql = _render("dbt_utils", "dbt_utils.generate_surrogate_key(['a', 'b'])")
    assert sql == (
        "md5(cast(coalesce(cast(a as TEXT), '_dbt_utils_surrogate_key_null_') || '-' || "
        "coalesce(cast(b as TEXT), '_dbt_utils_surrogate_key_null_') as TEXT))"
    )


def test_star_renders_star_while_parsing() -> None:
    assert _render("dbt_utils", "dbt_utils.star(rel)", rel=object()) == "*"


def test_generate_schema_name() -> None:
    target = {"schema": "analytics", "database": "db", "name": "dev"}
    assert _render("dbt", "dbt.generate_schema_name(none, none)", target=target) == "analytics"
    assert _render("dbt", "dbt.generate_schema_name(' staging ', none)", target=target) == "analytics_staging"


def test_cross_db_sql_text() -> None:
    assert (
        _render("dbt", "dbt.dateadd('quarter', 2, 'd')") == "(d + (cast(2 as bigint) * 3) * interval 1 month)"
    )
    assert _render("dbt", "dbt.datediff('a', 'b', 'month')") == (
        "date_diff('month', cast(a as timestamp), cast(b as timestamp))"
    )
    assert _render("dbt", "dbt.concat(['a', \"'-'\", 'b'])") == "a || '-' || b"
    assert _render("dbt", "dbt.split_part('s', \"','\", -1)") == "string_split(s, ',')[-1]"
    assert _render("dbt", "dbt.type_numeric()") == "numeric(28,6)"


def test_generic_test_sql_text() -> None:
    sql = _render("dbt_utils", "dbt_utils.test_accepted_range('m', 'x', 1, 5, False)")
    assert sql == "select * from m where 1 = 2 or not (x > 1) or not (x < 5)"
    sql = _render("dbt", "dbt.test_accepted_values('m', 'c', ['a', 'b'])")
    assert "where value_field not in ( 'a', 'b' )" in sql
    assert _render("dbt_utils", "dbt_utils.slugify('9 Lives - ok!')") == "_9_lives_ok"

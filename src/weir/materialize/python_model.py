"""Python models: ``def model(dbt, session)`` as in dbt, on the engine's session: a DuckDB
connection (``dbt.ref`` -> DuckDB relation) or a SparkSession (``dbt.ref`` -> Spark DataFrame)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from weir.errors import CompilationError, EngineError
from weir.graph import Node
from weir.materialize.compiler import Hooks

if TYPE_CHECKING:
    from weir.materialize.runtime import Runtime


class _DbtConfig:
    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)


class DbtObject:
    """The ``dbt`` argument of a Python model."""

    def __init__(self, rt: Runtime, node: Node, session: Any, is_incremental: bool) -> None:
        self._rt = rt
        self._node = node
        self._session = session
        self.config = _DbtConfig(dict(node.config))
        self.is_incremental = is_incremental
        self.this = rt.project.relations[node.unique_id]
        self._hooks = Hooks(rt.project, rt.engine, node)
        #: the engine's own frames for a query (Spark DataFrame), else the session's relation
        self._frame = getattr(rt.engine, "python_frame", None) or session.sql
        #: "duckdb" or "spark": lets one model serve both engines
        self.engine = str(getattr(rt.engine, "name", "duckdb"))

    def ref(self, *names: str, **_: Any) -> Any:
        package = names[0] if len(names) == 2 else None
        rel = self._hooks.ref(names[-1], package, None)
        return self._frame(f"select * from {rel}")

    def source(self, source_name: str, table_name: str) -> Any:
        rel = self._hooks.source(source_name, table_name)
        return self._frame(f"select * from {rel}")


def to_arrow(value: Any, node: Node) -> pa.Table:
    """pandas, polars, Arrow or a DuckDB relation -> Arrow."""
    if isinstance(value, pa.Table):
        return value
    if isinstance(value, pa.RecordBatchReader):
        return value.read_all()
    kind = type(value).__module__.split(".")[0]
    if kind == "pandas":
        return pa.Table.from_pandas(value, preserve_index=False)
    if kind == "polars":
        return value.to_arrow()
    if kind == "duckdb" and hasattr(value, "to_arrow_table"):
        return value.to_arrow_table()
    if kind == "pyspark" and hasattr(value, "toArrow"):
        return value.toArrow()
    raise CompilationError(
        f"Python model returned {type(value).__name__}; return a pandas or polars DataFrame, "
        "an Arrow table or a DuckDB relation", path=node.path, node=node.name)


def run_python_model(rt: Runtime, node: Node, *, is_incremental: bool) -> Any:
    """The model's result as Arrow, or as the engine's own DataFrame when the engine can
    stage that without leaving it (a Spark DataFrame on Spark)."""
    namespace: dict[str, Any] = {"__name__": f"weir_model_{node.name}"}
    try:
        code = compile(node.raw_code, node.path, "exec")
        exec(code, namespace)
    except SyntaxError as exc:
        raise CompilationError(f"Python syntax error: {exc.msg}", path=node.path, line=exc.lineno) from None
    # the model may read relations through the session itself (spark.table("main__orders"))
    rt.engine.resolve(node.raw_code)
    session = rt.engine.python_session() if hasattr(rt.engine, "python_session") else rt.engine.con
    dbt = DbtObject(rt, node, session, is_incremental)
    try:
        value = namespace["model"](dbt, session)
    except CompilationError:
        raise
    except Exception as exc:  # a user's model failed: report it against the model
        import traceback

        tb = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == node.path]
        raise EngineError(f"Python model raised {type(exc).__name__}: {exc}", path=node.path,
                          line=tb[-1].lineno if tb else None, node=node.name) from exc
    if hasattr(rt.engine, "stage_object") and hasattr(value, "sparkSession"):
        return value
    return to_arrow(value, node)

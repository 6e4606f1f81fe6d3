"""Running an ``@asset`` function: its upstream rows go in (Arrow, pandas or polars), the
value it returns comes out as Arrow for the model materializations to stage, audit
and publish like any other table."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from weir.assets import AssetContext
from weir.errors import CompilationError, MissingExtraError, WeirError
from weir.graph import Node
from weir.materialize.python_model import to_arrow
from weir.project.assets import LoadedAsset, Param
from weir.project.package import scoped_vars

if TYPE_CHECKING:
    from weir.materialize.runtime import Runtime

RETURNS = "a pandas or polars DataFrame, a pyarrow Table or RecordBatchReader, or a DuckDB relation"


class AssetFailed(WeirError):
    """An asset function raised, or returned something weir cannot write as a table."""


def run_asset(rt: Runtime, node: Node, *, is_incremental: bool) -> pa.Table | pa.RecordBatchReader:
    """Call the asset's function with its inputs; its result as Arrow."""
    loaded = rt.project.assets[node.unique_id]
    kwargs = {p.name: _context(rt, node, is_incremental) if p.form == "context" else _read(rt, node, p)
              for p in loaded.params}
    try:
        value = loaded.definition.fn(**kwargs)
    except WeirError as exc:
        exc.node = exc.node or node.name
        raise
    except Exception as exc:  # the user's function failed: report it against the asset
        raise _failure(loaded, node, exc) from exc
    return _output(value, node, loaded)


def _read(rt: Runtime, node: Node, p: Param) -> Any:
    relation = rt.project.relations[p.upstream or ""]
    table = rt.engine.arrow(rt.compiler.with_ephemerals(node, f"select * from {relation}"))
    if p.form == "pandas":
        try:
            import pandas  # noqa: F401  (to_pandas needs it)
        except ImportError:
            raise MissingExtraError("pandas", "pandas") from None
        return table.to_pandas()
    if p.form == "polars":
        try:
            import polars
        except ImportError:
            raise MissingExtraError("polars", "polars") from None
        return polars.from_arrow(table)
    return table


def _context(rt: Runtime, node: Node, is_incremental: bool) -> AssetContext:
    project = rt.project
    return AssetContext(
        name=node.name, is_incremental=is_incremental, this=str(project.relations[node.unique_id]),
        config=dict(node.config), vars=scoped_vars(project.packages, project.root_package, node.package,
                                                   project.cli_vars),
        run_id=rt.run_id, _query=rt.engine.arrow,
    )


def _output(value: Any, node: Node, loaded: LoadedAsset) -> pa.Table | pa.RecordBatchReader:
    if isinstance(value, pa.RecordBatchReader):  # streamed into staging, never held whole
        out: pa.Table | pa.RecordBatchReader = value
    elif isinstance(value, pa.RecordBatch):
        out = pa.Table.from_batches([value])
    elif type(value).__module__.startswith("polars") and type(value).__name__ == "LazyFrame":
        out = value.collect().to_arrow()
    else:
        try:
            out = to_arrow(value, node)
        except CompilationError:
            raise AssetFailed(f"asset {node.name!r} returned {_type_name(value)}; return {RETURNS}",
                              path=loaded.path, line=loaded.line, node=node.name) from None
    if not out.schema.names:
        raise AssetFailed(f"asset {node.name!r} returned a table without columns", path=loaded.path,
                          line=loaded.line, node=node.name)
    return out


def _type_name(value: Any) -> str:
    if value is None:
        return "None"
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _failure(loaded: LoadedAsset, node: Node, exc: Exception) -> AssetFailed:
    """The error, placed at the deepest line of the project's own code in the traceback."""
    root = Path(node.root_path)
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # [0] is run_asset itself
    path, line = loaded.path, loaded.line
    for frame in reversed(frames):
        file = Path(frame.filename)
        # a virtualenv inside the project folder is not the project's code
        if file.is_relative_to(root) and not {"site-packages", "dist-packages"} & set(file.parts):
            path, line = str(file.relative_to(root)), frame.lineno or loaded.line
            break
    error = AssetFailed(f"asset {node.name!r} raised {type(exc).__name__}: {exc}", path=path, line=line,
                        node=node.name)
    error.transient = isinstance(exc, ConnectionError | TimeoutError)  # a retry may cure these
    return error


__all__ = ["AssetFailed", "run_asset"]

"""The table formats of one target, built from its warehouse and storage settings; an
``s3://`` warehouse also teaches the embedded engine to read ``s3://`` files."""

from __future__ import annotations

from pathlib import Path

from weir.config import Target
from weir.engines.duckdb import DuckDBEngine
from weir.errors import MissingExtraError
from weir.formats.base import TableFormat
from weir.formats.delta import DeltaFormat
from weir.formats.duckdb_native import DuckDBNativeFormat
from weir.formats.iceberg import IcebergFormat
from weir.formats.storage import S3Storage

S3_SCHEMES = ("s3://", "s3a://")


def make_formats(engine: DuckDBEngine, *, warehouse: str, target: Target, state_dir: Path) -> dict[str, TableFormat]:
    """``{"delta", "iceberg", "duckdb"}`` for ``target``; nothing heavy is imported here."""
    storage = None
    if warehouse.startswith(S3_SCHEMES):
        storage = S3Storage.from_env(target.storage)
        register_s3(engine, storage)
    return {
        "delta": DeltaFormat(warehouse, storage.delta_options() if storage else None),
        "iceberg": IcebergFormat(warehouse, catalog_name=target.name, catalog_file=state_dir / "iceberg_catalog.db",
                                 settings=target.iceberg_catalog, storage=storage),
        "duckdb": DuckDBNativeFormat(engine),
    }


def register_s3(engine: DuckDBEngine, storage: S3Storage) -> None:
    """Let the engine's ``read_parquet`` open ``s3://`` paths (pointer views of tables in an
    S3 warehouse) through pyarrow's S3 client: DuckDB's httpfs extension is not needed.
    The registration lives as long as the engine; every process registers on open."""
    if not hasattr(getattr(engine, "con", None), "register_filesystem"):
        return  # an engine with its own S3 access (Spark) reads s3:// itself
    try:
        fs = storage.fsspec_filesystem()
    except ImportError:
        raise MissingExtraError("fsspec (reads s3:// tables in DuckDB)", "iceberg") from None
    engine.con.register_filesystem(fs)


__all__ = ["make_formats", "register_s3"]

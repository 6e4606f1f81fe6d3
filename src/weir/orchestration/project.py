"""What a pipeline needs from a weir project; ``weir.workspace.pipelines`` implements it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ProjectHandle(Protocol):
    """A project opened for pipelines: build models, run SQL, locate tables."""

    @property
    def name(self) -> str: ...

    @property
    def vars(self) -> dict[str, Any]: ...

    @property
    def pools(self) -> dict[str, int]: ...

    @property
    def alert_settings(self) -> dict[str, Any]: ...

    def build(self, select: Sequence[str] | None, exclude: Sequence[str] | None, vars: dict[str, Any] | None,
              full_refresh: bool) -> Any:
        """Build the selected models (dbt ``--select`` syntax); raises WeirError when a node fails."""
        ...

    def execute_sql(self, sql: str) -> list[tuple[Any, ...]]:
        """Run SQL (one or more statements) on the project's engine; rows of the last one."""
        ...

    def table_uri(self, name: str) -> tuple[str, str, dict[str, str]]:
        """(format, uri, storage_options) of a model, seed, snapshot or source table."""
        ...

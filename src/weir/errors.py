"""The one error root of weir, and the context its subclasses carry.

Every error says what it concerns (file, line, model, compiled SQL) and whether a
retry can help: ``TransientError`` subclasses may succeed on retry, everything
else is terminal.
"""

from __future__ import annotations


class WeirError(Exception):
    """Root of every error weir raises on purpose."""

    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        node: str | None = None,
        sql_path: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.node = node
        self.sql_path = sql_path
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.node and self.node not in text:
            text = f"{text} (in {self.node})"
        if self.sql_path:
            text = f"{text}\n  compiled SQL: {self.sql_path}"
        if self.hint:
            text = f"{text}\n  hint: {self.hint}"
        return text


class TransientError(WeirError):
    """An error a retry may cure: a lost connection, a busy resource."""

    transient = True


class ConfigError(WeirError):
    """An invalid or missing configuration value."""


class ProjectError(WeirError):
    """A project file cannot be read: YAML, Jinja or layout problems."""


class CompilationError(ProjectError):
    """Rendering Jinja or resolving refs/sources failed."""


class GraphError(WeirError):
    """The node graph is invalid: a cycle, an unknown node, a bad selector."""


class EngineError(WeirError):
    """The engine rejected the SQL of a node."""


class FormatError(WeirError):
    """A table-format operation (write, merge, read) failed."""


class SeedError(WeirError):
    """A seed CSV file has a malformed row or a bad column type."""


class StateError(WeirError):
    """The run ledger cannot be read or written."""


class MissingExtraError(WeirError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module} is not installed",
            hint=f"pip install 'weir[{extra}]'",
        )

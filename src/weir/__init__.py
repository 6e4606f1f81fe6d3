"""weir: dbt-compatible models, pipelines, quality gates and lakehouse tables in one package."""

from __future__ import annotations

from weir.assets import asset
from weir.errors import WeirError

__version__ = "0.1.0"
__all__ = ["WeirError", "Workspace", "__version__", "asset", "check"]


def __getattr__(name: str) -> object:
    # The workspace pulls in engines; keep `import weir` light for the CLI's --help.
    if name == "Workspace":
        from weir.workspace import Workspace

        return Workspace
    if name == "check":
        from weir.checks.api import check

        return check
    raise AttributeError(name)

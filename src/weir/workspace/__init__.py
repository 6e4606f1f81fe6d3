"""The workspace facade: load a project, plan, run, read tables."""

from weir.workspace.workspace import RunResult, Workspace

__all__ = ["RunResult", "Workspace"]

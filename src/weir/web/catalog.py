"""The project's docs catalog and lineage (``weir.workspace.docs``) for the UI, computed in a
background thread and cached until a newer run finishes.

Computing it reads a copy of the project's DuckDB catalog, so the UI never holds the lock
that ``weir build`` and pipeline runs in other processes need. When the copy cannot be read
(taken in the middle of a write) the previous catalog is kept.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from weir.errors import WeirError

log = logging.getLogger("weir.web")


class CatalogCache:
    """``get()`` -> (catalog, lineage document) or None while the first one is computed."""

    def __init__(self, compute: Callable[[], tuple[dict[str, Any], dict[str, Any]]]) -> None:
        self._compute = compute
        self._value: tuple[dict[str, Any], dict[str, Any]] | None = None
        self._key: Any = object()
        self._wanted: Any = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.error: str | None = None

    def refresh(self, key: Any) -> None:
        """Recompute in the background when ``key`` (the newest finished run) changed."""
        with self._lock:
            if key == self._key or (self._thread is not None and self._thread.is_alive()):
                self._wanted = key
                return
            self._wanted = key
            self._thread = threading.Thread(target=self._run, args=(key,), name="weir-ui-catalog", daemon=True)
            self._thread.start()

    def _run(self, key: Any) -> None:
        try:
            value = self._compute()
        except WeirError as exc:  # catalog busy or project broken: keep the last good copy
            self.error = str(exc).splitlines()[0]
            log.warning("lineage and catalog not refreshed: %s", self.error)
        else:
            with self._lock:
                self._value, self.error = value, None
        finally:
            with self._lock:
                self._key = key
                again = self._wanted != key
            self._ready.set()
        if again:
            self.refresh(self._wanted)

    def get(self, wait: float = 30.0) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The newest copy; waits up to ``wait`` seconds for the first one."""
        if self._value is None:
            self._ready.wait(wait)
        return self._value


def compute_catalog(project_dir: Path, *, target: str | None, vars: dict[str, Any],
                    profiles_dir: str | Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The project's docs catalog and lineage (with layout), read from a copy of its DuckDB
    catalog: the UI never takes the lock a running ``weir build`` needs."""
    from weir.checks.tests import validate_expectations
    from weir.lineage.site import lineage_document
    from weir.project.loader import load_project
    from weir.workspace import Workspace
    from weir.workspace.docs import docs_catalog

    project = load_project(Path(project_dir), target=target, cli_vars=vars,
                           profiles_dir=Path(profiles_dir) if profiles_dir else None)
    validate_expectations(project.graph)
    with tempfile.TemporaryDirectory(prefix="weir-ui-") as tmp:
        if str(project.target.type).lower() != "spark":
            project.target.path = str(_copy_catalog(project, Path(tmp)))
        with Workspace(project) as ws:
            catalog, lineage = docs_catalog(ws)
    return catalog, lineage_document(lineage)


def _copy_catalog(project: Any, folder: Path) -> Path:
    """Copy the DuckDB catalog file (and its WAL) into ``folder``; a copy torn by a concurrent
    write fails to open and the previous catalog is kept."""
    path = Path(project.target.path) if project.target.path else project.state_dir / f"{project.target.name}.duckdb"
    if not path.is_absolute():
        path = project.root / path
    copy = folder / path.name
    for suffix in ("", ".wal"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            shutil.copyfile(src, copy.with_name(copy.name + suffix))
    return copy

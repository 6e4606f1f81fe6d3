"""Loading pipeline files: each ``*.py`` in the pipeline folders is executed and every Pipeline
it creates is collected; errors (raised while importing or found by validation) carry file:line."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from weir.errors import WeirError
from weir.orchestration import scope
from weir.orchestration.pipeline import Pipeline


@dataclass
class LoadedPipelines:
    """The pipelines found in some files, and every problem found while loading them."""

    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    errors: list[WeirError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _import_error(path: Path, exc: BaseException) -> WeirError:
    if isinstance(exc, SyntaxError):
        return WeirError(f"syntax error: {exc.msg}", path=str(path), line=exc.lineno)
    if isinstance(exc, WeirError) and exc.path:
        return exc
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return WeirError(f"loading the pipeline file failed: {type(exc).__name__}: {exc}", path=str(path), line=line)


def load_file(path: Path) -> tuple[list[Pipeline], WeirError | None]:
    """Execute one pipeline file; the pipelines it defined, or the error that stopped it."""
    path = path.resolve()
    name = f"weir_pipelines.{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return [], WeirError("not a Python file", path=str(path))
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # helpers next to pipeline files import as in Airflow's dags folder
    found: list[Pipeline] = []
    scope.collecting(found)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        sys.modules.pop(name, None)
        return [], _import_error(path, exc)
    finally:
        scope.done_collecting()
    return found, None


def pipeline_files(folders: Iterable[Path]) -> list[Path]:
    """``*.py`` files under the folders (recursively), skipping ``_``-prefixed ones and caches."""
    out: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            out += sorted(p for p in folder.rglob("*.py")
                          if not p.name.startswith("_") and "__pycache__" not in p.parts)
    return out


def load_pipelines(folders: Iterable[Path]) -> LoadedPipelines:
    """Every pipeline in the folders, validated; duplicate ids across files are errors."""
    out = LoadedPipelines()
    for file in pipeline_files(folders):
        out.files.append(file)
        pipelines, error = load_file(file)
        if error is not None:
            out.errors.append(error)
        for p in pipelines:
            if p.pipeline_id in out.pipelines:
                first = out.pipelines[p.pipeline_id]
                out.errors.append(WeirError(f"duplicate pipeline id {p.pipeline_id!r} (first defined at "
                                            f"{first.path}:{first.line})", path=p.path, line=p.line))
                continue
            out.pipelines[p.pipeline_id] = p
            out.errors += p.validate()
    return out

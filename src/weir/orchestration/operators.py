"""Shell, SQL and model-build tasks, and the Sensor base class."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from weir.errors import WeirError
from weir.orchestration.tasks import SkipTask, Task, TaskTimeout, _seconds


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _need_project(task: Task, context: Any) -> Any:
    if context.project is None:
        raise WeirError(f"{type(task).__name__} {task.task_id} needs a weir project",
                        hint="run the pipeline from a project (weir trigger) or pass project= to Pipeline.run")
    return context.project


class ShellTask(Task):
    """Runs ``bash -c bash_command``; exit code 0 succeeds (result: last stdout line), 99 skips,
    anything else fails with the end of stderr."""

    template_fields = ("bash_command", "env", "cwd")

    def __init__(self, task_id: str, *, bash_command: str, env: dict[str, str] | None = None,
                 append_env: bool = False, cwd: str | None = None, skip_on_exit_code: int | None = 99,
                 **task_kwargs: Any) -> None:
        super().__init__(task_id, **task_kwargs)
        self.bash_command, self.env, self.append_env, self.cwd = bash_command, env, append_env, cwd
        self.skip_on_exit_code = skip_on_exit_code

    def execute(self, context: Any) -> Any:
        env = None
        if self.env is not None:
            env = {**os.environ, **self.env} if self.append_env else {"PATH": os.environ.get("PATH", ""), **self.env}
        try:
            proc = subprocess.run(["bash", "-c", self.bash_command], capture_output=True, text=True, env=env,
                                  cwd=self.cwd, timeout=self.execution_timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TaskTimeout(f"{self.task_id}: command killed after {self.execution_timeout:g}s "
                              "(execution_timeout)") from None
        if proc.stdout:
            sys.stdout.write(proc.stdout)
        if proc.stderr:
            sys.stderr.write(proc.stderr)
        if self.skip_on_exit_code is not None and proc.returncode == self.skip_on_exit_code:
            raise SkipTask(f"{self.task_id}: command exited with {proc.returncode} (skip)")
        if proc.returncode != 0:
            raise WeirError(f"{self.task_id}: command exited with {proc.returncode}: "
                            f"{_tail(proc.stderr) or _tail(proc.stdout) or '(no output)'}")
        lines = proc.stdout.rstrip().splitlines()
        return lines[-1] if lines else None


class SQLTask(Task):
    """Runs SQL (a string, or a ``.sql`` file next to the pipeline file) on the project's engine.

    ``params`` are available in the SQL as ``{{ params.x }}``; the result is the last statement's rows.
    """

    template_fields = ("sql",)

    def __init__(self, task_id: str, *, sql: str, conn: str | None = None, conn_id: str | None = None,
                 **task_kwargs: Any) -> None:
        super().__init__(task_id, **task_kwargs)
        self.conn = conn or conn_id
        self.sql_path: str | None = None
        self.sql = sql
        if sql.strip().endswith(".sql") and "\n" not in sql.strip():
            base = Path(self.path).parent if self.path else Path.cwd()
            file = base / sql.strip()
            try:
                self.sql = file.read_text()
                self.sql_path = str(file)
            except OSError as exc:
                self._error(f"SQL file of {self.task_id} cannot be read: {file} ({exc.strerror})",
                            hint="paths are relative to the pipeline file's folder")

    def execute(self, context: Any) -> Any:
        rows = _need_project(self, context).execute_sql(self.sql)
        return [list(r) for r in rows]


class BuildTask(Task):
    """Builds weir models of the project: ``select``/``exclude`` take dbt selectors
    (``"tag:daily +fct_orders"``); fails when any selected node fails."""

    template_fields = ("select", "exclude", "vars")

    def __init__(self, task_id: str, *, select: str | Sequence[str] | None = None,
                 exclude: str | Sequence[str] | None = None, vars: dict[str, Any] | None = None,
                 full_refresh: bool = False, **task_kwargs: Any) -> None:
        super().__init__(task_id, **task_kwargs)
        self.select, self.exclude, self.vars, self.full_refresh = select, exclude, vars, full_refresh

    @staticmethod
    def _words(value: str | Sequence[str] | None) -> list[str] | None:
        if value is None:
            return None
        items = [value] if isinstance(value, str) else list(value)
        return [w for v in items for w in str(v).split()] or None

    def execute(self, context: Any) -> Any:
        return _need_project(self, context).build(self._words(self.select), self._words(self.exclude),
                                                  self.vars, self.full_refresh)


class Sensor(Task):
    """Waits for a condition: the executor calls :meth:`poke` and, while it returns False, releases
    the slot and asks again after ``poke_interval``; past ``timeout`` the sensor fails (or is
    skipped with ``soft_fail``)."""

    def __init__(self, task_id: str, *, poke_interval: float | dt.timedelta = 60,
                 timeout: float | dt.timedelta = 7 * 24 * 3600, soft_fail: bool = False,
                 **task_kwargs: Any) -> None:
        super().__init__(task_id, **task_kwargs)
        self.poke_interval = _seconds(poke_interval) or 0.0
        self.timeout = _seconds(timeout) or 0.0
        self.soft_fail = soft_fail

    def poke(self, context: Any) -> bool:
        raise NotImplementedError

    def execute(self, context: Any) -> Any:
        return self.poke(context)

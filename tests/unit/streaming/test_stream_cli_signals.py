"""`weir stream` called in-process (CliRunner, a notebook) gives back the signal handlers it replaced."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from weir.cli.main import cli


def test_stream_restores_the_callers_sigint_and_sigterm_handlers(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: s\nversion: '1.0'\nconfig-version: 2\n")
    (tmp_path / "streams").mkdir()
    (tmp_path / "streams" / "orders.yml").write_text(
        "streams:\n  - name: orders\n    topics: orders\n    bootstrap_servers: localhost:1\n")

    def mine(signum: int, frame: Any) -> None:
        raise AssertionError("not called")

    before = {sig: signal.signal(sig, mine) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = CliRunner().invoke(cli, ["stream", "nope", "--project-dir", str(tmp_path)])
        # the command got as far as its own handlers: it failed on the unknown stream name
        assert result.exit_code != 0 and "no stream named 'nope'" in str(result.exception)
        assert signal.getsignal(signal.SIGINT) is mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)

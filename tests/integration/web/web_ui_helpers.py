"""Helpers of the web UI tests: the sales example copied, `weir` and `weir ui` as subprocesses."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SALES = Path(__file__).resolve().parents[3] / "examples" / "sales"


def weir(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weir", *args, "--project-dir", str(root)],
                          capture_output=True, text=True, timeout=timeout)


def copy_sales(dest: Path) -> Path:
    shutil.copytree(SALES, dest, ignore=shutil.ignore_patterns("lakehouse", ".weir", "target", "data", "__pycache__"))
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class UIServer:
    """``weir ui`` in a subprocess; stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root.parent / f"ui-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "weir", "ui", "--project-dir", str(root), "--port", str(self.port), *args],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

    def wait(self, path: str = "/", headers: dict[str, str] | None = None) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"weir ui exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                urllib.request.urlopen(urllib.request.Request(self.url + path, headers=headers or {}), timeout=5)
                return
            except urllib.error.HTTPError:
                return  # up (answering 401 is up too)
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"weir ui did not answer in 60 s: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

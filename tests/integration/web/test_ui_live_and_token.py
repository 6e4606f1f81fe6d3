"""Live updates: a pipeline run started after the page loaded shows as running, then success,
without a reload. Token: bound off loopback, `weir ui` refuses to start without a token, and
with one answers 401 to requests that lack it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from web_ui_helpers import UIServer, copy_sales, free_port

pytestmark = pytest.mark.integration

TOKEN = "integration-test-token-0123456789"
SLOW = textwrap.dedent("""\
    from datetime import datetime
    from pathlib import Path

    from weir.orchestration import Pipeline, ShellTask

    GO = Path(__file__).resolve().parent.parent / "go"

    with Pipeline("slow", schedule="@daily", start_date=datetime(2024, 1, 1)) as p:
        wait = ShellTask("wait_for_go", bash_command=f"for i in $(seq 600); do test -e {GO} && exit 0; sleep 0.1; done; exit 1")
        done = ShellTask("finish", bash_command="echo finished {{ ds }}")
        wait >> done
""")


def _badge(browser: Any) -> str | None:
    # read in one script: live updates replace the rows, so element handles can go stale
    return browser.execute_script(
        "const b = document.querySelector('#pipeline-runs tr[data-run-id] .badge'); return b ? b.dataset.state : null")


def test_a_run_in_progress_updates_the_page_without_reload(tmp_path: Path, browser: Any) -> None:
    root = copy_sales(tmp_path / "sales")
    (root / "pipelines" / "slow.py").write_text(SLOW)
    ui = UIServer(root)
    run = None
    try:
        ui.wait()
        browser.get(ui.url + "/")
        WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "live").text == "live")
        assert "No pipeline runs yet" in browser.find_element(By.ID, "pipeline-runs").text
        browser.execute_script("window.__same_page = 'yes'")  # gone if the page reloads
        run = subprocess.Popen([sys.executable, "-m", "weir", "trigger", "slow", "--date", "2024-01-02",
                                "--project-dir", str(root)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
        WebDriverWait(browser, 60).until(lambda d: _badge(d) == "running")
        assert "slow" in browser.find_element(By.ID, "pipeline-runs").text
        (root / "go").write_text("go")
        WebDriverWait(browser, 60).until(lambda d: _badge(d) == "success")
        assert browser.execute_script("return window.__same_page") == "yes"
        out, _ = run.communicate(timeout=60)
        assert run.returncode == 0, out
        browser.get(ui.url + "/pipelines/slow")
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#gantt .bar.ok"))
        assert [b.get_attribute("data-task") for b in browser.find_elements(By.CSS_SELECTOR, "#gantt .grow")] == \
            ["wait_for_go", "finish"]
    finally:
        if run is not None and run.poll() is None:
            run.kill()
            run.wait(10)
        ui.stop()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_binding_all_interfaces_needs_a_token(tmp_path: Path) -> None:
    root = copy_sales(tmp_path / "sales")
    refused = subprocess.run([sys.executable, "-m", "weir", "ui", "--host", "0.0.0.0", "--port", str(free_port()),
                              "--project-dir", str(root)], capture_output=True, text=True, timeout=120,
                             env={k: v for k, v in os.environ.items() if k != "WEIR_UI_TOKEN"})
    assert refused.returncode == 1
    assert "needs a token" in refused.stderr and "WEIR_UI_TOKEN" in refused.stderr

    ui = UIServer(root, "--host", "0.0.0.0", env={"WEIR_UI_TOKEN": TOKEN})
    try:
        ui.wait()  # the test only talks to it over loopback
        for path in ("/", "/metrics", "/api/runs", "/api/events"):
            status, body = _get(ui.url + path)
            assert status == 401 and "needs its token" in body, path
        assert _get(ui.url + "/api/runs", {"Authorization": "Bearer wrong-token-wrong-token"})[0] == 401
        status, body = _get(ui.url + "/api/runs", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and '"builds": []' in body
        status, body = _get(ui.url + "/metrics", {"X-Weir-Token": TOKEN})
        assert status == 200 and "# TYPE weir_node_runs_total counter" in body
        status, body = _get(ui.url + "/", {"Cookie": f"weir_token={TOKEN}"})
        assert status == 200 and "Recent runs" in body
    finally:
        ui.stop()

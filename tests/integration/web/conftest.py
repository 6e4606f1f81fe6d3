"""The sales example built and its daily_sales_etl pipeline run, `weir ui` started on it as a
subprocess, and headless Chromium (Debian's chromium + chromedriver) driven by Selenium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_ui_helpers import UIServer, copy_sales, weir

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def sales_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sales example whose ledger holds a real daily_sales_etl run (it builds
    fct_daily_sales and its tests) and a full build."""
    root = copy_sales(tmp_path_factory.mktemp("web") / "sales")
    out = weir(root, "trigger", "daily_sales_etl", "--date", "2024-01-15")
    assert out.returncode == 0, out.stdout + out.stderr
    out = weir(root, "build")
    assert out.returncode == 0, out.stdout + out.stderr
    return root


@pytest.fixture(scope="module")
def ui(sales_run: Path) -> Iterator[UIServer]:
    server = UIServer(sales_run)
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()

"""Benchmark: server-side render time of each `weir ui` page and of /metrics on the sales example
after a daily_sales_etl run and N builds (the ledger grows with them).

Pages are requested in-process through Starlette's TestClient (no network), warm (after one
request each), and the median of ``--repeat`` requests is reported per page.

    .venv/bin/python bench/ui.py [--builds 20] [--repeat 20]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, WEIR_PY, reexec_in_weir_venv

PAGES = {
    "home": "/",
    "pipelines": "/pipelines",
    "pipeline": "/pipelines/daily_sales_etl",
    "log": None,  # filled in from the run
    "lineage": "/lineage",
    "model": "/models/model.sales.fct_daily_sales",
    "tables": "/tables",
    "table": "/tables/main.fct_daily_sales",
    "metrics": "/metrics",
    "api_runs": "/api/runs",
}


def main() -> None:
    reexec_in_weir_venv()
    ap = argparse.ArgumentParser()
    ap.add_argument("--builds", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    from starlette.testclient import TestClient

    from weir.web import UIData, create_app

    with tempfile.TemporaryDirectory(prefix="weir-bench-ui-") as tmp:
        root = Path(tmp) / "sales"
        shutil.copytree(REPO / "examples" / "sales", root,
                        ignore=shutil.ignore_patterns("lakehouse", ".weir", "target", "data", "__pycache__"))
        weir = [str(WEIR_PY), "-m", "weir"]
        subprocess.run([*weir, "trigger", "daily_sales_etl", "--date", "2024-01-15", "--project-dir", str(root)],
                       check=True, capture_output=True)
        for _ in range(args.builds):
            subprocess.run([*weir, "build", "--project-dir", str(root)], check=True, capture_output=True)
        data = UIData(root)
        data.catalog.get(120)
        client = TestClient(create_app(data))
        run_id = client.get("/api/runs").json()["pipeline_runs"][0]["run_id"]
        PAGES["log"] = f"/pipelines/daily_sales_etl/runs/{run_id}/tasks/extract_from_source"
        results = {}
        for name, path in PAGES.items():
            assert path is not None
            first = client.get(path)
            assert first.status_code == 200, (path, first.status_code, first.text[:300])
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - t) * 1000)
            results[name] = statistics.median(times)
            print(f"{name:<10} {path:<60} median {results[name]:7.1f} ms  max {max(times):7.1f} ms")
        data.close()
    fields = " ".join(f"{k}_ms={v:.1f}" for k, v in results.items())
    print(f"RESULT bench=ui builds={args.builds} slowest_ms={max(results.values()):.1f} {fields}")


if __name__ == "__main__":
    main()

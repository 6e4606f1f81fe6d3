"""`make demo`: the sales project end to end on the embedded default (DuckDB + Delta Lake).

Day 1: generate raw data, seed and build everything. Day 2: new and re-sent orders,
changed customers; build again (incremental merge, snapshot). Prints what changed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from weir import Workspace

HERE = Path(__file__).resolve().parent


def weir(*args: str) -> None:
    cmd = [sys.executable, "-m", "weir", *args, "--project-dir", str(HERE)]
    print(f"\n$ weir {' '.join(args)}", flush=True)
    subprocess.run(cmd, check=True)


def versions() -> dict[str, tuple[int, int | None]]:
    with Workspace.load(HERE) as ws:
        out = {}
        for schema, name in ws.relations():
            rows = ws.query(f'select count(*) from "{schema}"."{name}"').column(0)[0].as_py()
            node = next(n for u, n in ws.project.graph.nodes.items()
                        if ws.project.relations.get(u) is not None and ws.project.relations[u].identifier == name
                        and ws.project.relations[u].schema == schema)
            fmt = ws.formats["delta"]
            rel = ws.project.relations[node.unique_id]
            version = fmt.version(rel) if node.materialized != "view" else None
            out[f"{schema}.{name}"] = (rows, version)
        return out


def main() -> None:
    for leftover in ("lakehouse", ".weir", "target", "data"):
        shutil.rmtree(HERE / leftover, ignore_errors=True)
    print("Day 1: generating raw orders, customers and products", flush=True)
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--day", "1"], check=True)
    weir("build")
    before = versions()
    print("\nDay 2: new orders, re-sent orders with new statuses, changed customers", flush=True)
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--day", "2"], check=True)
    weir("build")
    after = versions()
    print("\nTables after day 2 (rows, Delta version; views have none):")
    print(f"  {'relation':<40} {'rows day 1':>10} {'rows day 2':>10} {'version':>8}  changed")
    for rel, (rows, version) in sorted(after.items()):
        old_rows, old_version = before.get(rel, (None, None))
        changed = "yes" if (rows, version) != (old_rows, old_version) else ""
        shown = "view" if version is None else str(version)
        print(f"  {rel:<40} {old_rows!s:>10} {rows:>10} {shown:>8}  {changed}")


if __name__ == "__main__":
    main()

"""Lineage speed: column lineage of a generated 200-model project (cold, then from the
per-node cache) and of the sales example; ends with one RESULT line.

    python bench/lineage.py [--models 200]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, reexec_in_weir_venv

reexec_in_weir_venv()

from weir.workspace import Workspace  # noqa: E402


def generate(root: Path, models: int) -> None:
    """A layered project: 5 seeds, then models that join two earlier ones through CTEs,
    aggregate, use a window function and select * from a parent."""
    (root / "seeds").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text("name: gen\nprofile: gen\n")
    for i in range(5):
        (root / "seeds" / f"s{i}.csv").write_text("id,k,v,ts\n1,a,1.5,2024-01-01\n")
    names = [f"s{i}" for i in range(5)]
    for i in range(models):
        a, b = names[(i * 7) % len(names)], names[(i * 13 + 1) % len(names)]
        sql = textwrap.dedent(f"""\
            with x as (select * from {{{{ ref('{a}') }}}} where v > 0),
                 y as (select id, k, sum(v) as v, max(ts) as ts from {{{{ ref('{b}') }}}} group by 1, 2)
            select x.id, coalesce(x.k, y.k) as k, x.v + y.v as v, y.ts,
                   row_number() over (partition by x.k order by x.v) as rn
            from x left join y on x.id = y.id
            """)
        (root / "models" / f"m{i}.sql").write_text(sql)
        names.append(f"m{i}")


def timed(ws: Workspace, **kw: object) -> tuple[float, int, int]:
    t = time.perf_counter()
    lin = ws.lineage(**kw)  # type: ignore[arg-type]
    took = time.perf_counter() - t
    complete = sum(1 for nl in lin.columns.values() if nl.complete)
    return took, len(lin.columns), complete


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=200)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="weir-bench-lineage-"))
    try:
        gen = tmp / "gen"
        generate(gen, args.models)
        with Workspace.load(gen) as ws:
            cold, n, complete = timed(ws)
            warm, _, _ = timed(ws)
        print(f"{args.models} models: cold {cold:.2f}s, cached {warm:.2f}s; {complete}/{n} complete")
        sales = tmp / "sales"
        shutil.copytree(REPO / "examples" / "sales", sales,
                        ignore=shutil.ignore_patterns(".weir", "lakehouse", "target", "data"))
        with Workspace.load(sales) as ws:
            sales_cold, sn, _ = timed(ws, use_cache=False)
        print(f"sales example: {sn} SQL nodes in {sales_cold:.2f}s (no cache)")
        print(f"RESULT bench=lineage models={args.models} cold_s={cold:.2f} cached_s={warm:.2f} "
              f"complete={complete}/{n} sales_s={sales_cold:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

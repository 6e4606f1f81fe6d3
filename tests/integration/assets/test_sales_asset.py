"""The sales example's ``customer_lifetime`` asset (polars over two dbt models), built in a
copy of the example and checked against the same figures computed in SQL."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from weir.workspace import Workspace

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "sales"
KEEP = ("dbt_project.yml", "models", "seeds", "snapshots", "macros", "tests", "assets", "generate.py")

# the asset's figures, recomputed in SQL from the models it reads
EXPECTED = """
with paid as (
    select customer_id, count(*) as paid_orders, sum(net_amount) as lifetime_value
    from main.fct_customer_orders where net_amount > 0 group by customer_id
)
select d.customer_id, coalesce(p.paid_orders, 0) as paid_orders, coalesce(p.lifetime_value, 0) as lifetime_value,
       case when p.paid_orders is null then 'prospect' when p.paid_orders = 1 then 'one_time'
            when p.paid_orders < 5 then 'repeat' else 'loyal' end as lifecycle
from main.dim_customers d left join paid p using (customer_id)
order by customer_id
"""


@pytest.fixture(autouse=True)
def _no_user_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET"):
        monkeypatch.delenv(var, raising=False)


def test_customer_lifetime_builds_with_the_sales_project(tmp_path: Path) -> None:
    root = tmp_path / "sales"
    root.mkdir()
    for name in KEEP:
        src = EXAMPLE / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    for day in (1, 2):
        subprocess.run([sys.executable, str(root / "generate.py"), "--day", str(day)], check=True,
                       capture_output=True)
        with Workspace.load(root) as ws:
            result = ws.build()
            assert result.success, [(r.name, r.message) for r in result.results if r.status not in ("success", "pass")]
            node = ws.node("customer_lifetime")
            assert node.resource_type == "asset"
            assert node.tags == ("sales", "marts", "daily")
            lifetime_tests = [r for r in result.results if "customer_lifetime" in r.name and r.resource_type == "test"]
            assert len(lifetime_tests) == 7 and all(r.status == "pass" for r in lifetime_tests)
            got = ws.query("select customer_id, paid_orders, lifetime_value, lifecycle from main.customer_lifetime "
                           "order by customer_id").to_pylist()
            assert got == ws.query(EXPECTED).to_pylist()
            assert len(got) == (592 if day == 1 else 604)
            lifecycles = {r["lifecycle"] for r in got}
            assert lifecycles == {"prospect", "one_time", "repeat", "loyal"}

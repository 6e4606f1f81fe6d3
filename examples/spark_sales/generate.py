"""Write the seed CSVs: ``seeds/products.csv`` and ``seeds/orders.csv`` with days 1..N.

Usage::

    python examples/spark_sales/generate.py --day 2 [--out DIR]

Deterministic: the same arguments give the same files. Day N is 2024-01-14 + N days; each
day has 40 orders over 12 products in 3 categories, and every later day also *completes*
a few orders of the day before (their status changes from ``pending`` to ``completed``),
so an incremental run must update summaries of a day it already wrote.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST_DAY = datetime.date(2024, 1, 15)
CATEGORIES = ("books", "garden", "toys")
PRODUCTS = [(i, CATEGORIES[i % 3], round(2.5 + 1.75 * i, 2)) for i in range(1, 13)]
STATUSES = ("completed", "completed", "completed", "pending", "cancelled")
ORDERS_PER_DAY = 40


def orders_of(day: int) -> list[dict[str, object]]:
    """Day ``day``'s orders as first extracted (statuses as of that day)."""
    rng = random.Random(day)
    date = FIRST_DAY + datetime.timedelta(days=day - 1)
    rows = []
    for n in range(ORDERS_PER_DAY):
        product_id, _, price = PRODUCTS[rng.randrange(len(PRODUCTS))]
        at = datetime.datetime.combine(date, datetime.time()) + datetime.timedelta(seconds=rng.randrange(86_400))
        rows.append({"order_id": day * 1000 + n, "customer_id": 100 + rng.randrange(25),
                     "product_id": product_id, "timestamp": at.isoformat(sep=" "),
                     "quantity": 1 + rng.randrange(4), "unit_price": price, "status": rng.choice(STATUSES)})
    return rows


def write(days: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    orders: list[dict[str, object]] = []
    for day in range(1, days + 1):
        if orders:  # the next extract completes pending orders of the day before
            for row in orders[-ORDERS_PER_DAY:]:
                if row["status"] == "pending":
                    row["status"] = "completed"
        orders += orders_of(day)
    with open(out / "orders.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(orders[0]))
        writer.writeheader()
        writer.writerows(orders)
    with open(out / "products.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["product_id", "product_category", "list_price"])
        writer.writerows(PRODUCTS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--day", type=int, default=1, help="write days 1..DAY (default 1)")
    ap.add_argument("--out", type=Path, default=HERE / "seeds")
    args = ap.parse_args()
    write(args.day, args.out)


if __name__ == "__main__":
    main()

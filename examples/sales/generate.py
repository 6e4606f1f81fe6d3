"""Deterministic raw-data generator for the ``sales`` example project.

Usage::

    python examples/sales/generate.py --day 1            # 2024-01-15
    python examples/sales/generate.py --day 2 --scale 3  # 2024-01-16, three times the volume

Writes one Parquet file per raw table for the requested day::

    <out>/customers/day=NN.parquet   full snapshot of the customer system
    <out>/products/day=NN.parquet    full snapshot of the product catalogue
    <out>/orders/day=NN.parquet      the day's increment of orders

``<out>`` defaults to ``data/raw`` next to this file. Day N is 2024-01-15 + (N - 1) days.

The world is simulated from day 1 up to the requested day with random generators seeded
by (scale, day, stream), so the same arguments always give the same bytes, and the files of
day N stay the same whether day N+1 was generated or not.

The data is deliberately dirty; the staging models clean it (see README.md):

* ``_deleted = true`` rows (soft deletes), in all three tables;
* orders with a null ``user_id`` and orders with a negative or zero ``quantity``;
* rows sent twice in the same file (exact duplicates), in all three tables;
* order ``status`` in mixed case, padded with spaces, or spelt ``canceled`` / ``complete``;
* customer ``email`` / ``segment`` / ``country_code`` and product ``category`` in mixed case
  with stray spaces;
* from day 2 on, orders of the previous day re-sent with a new status and a later
  ``updated_at`` (and a few re-sent as ``_deleted``), so the incremental merge has work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

DAY_ONE = dt.date(2024, 1, 15)

BASE_CUSTOMERS = 600
BASE_PRODUCTS = 40
BASE_ORDERS_PER_DAY = 3000

SEGMENTS = ("consumer", "corporate", "small_business")
COUNTRIES = ("US", "US", "US", "CA", "GB", "GB", "DE", "FR", "ES", "IT", "NL", "SE", "AU", "JP", "BR")
CATEGORIES = ("electronics", "home", "garden", "toys", "books", "sports", "beauty")
FIRST_NAMES = (
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Ken",
    "Barbara",
    "Edsger",
    "Donald",
    "Frances",
    "John",
    "Margaret",
    "Dennis",
    "Radia",
    "Tim",
    "Sophie",
    "Guido",
    "Anita",
    "Niklaus",
    "Hedy",
    "Bjarne",
)
LAST_NAMES = (
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Thompson",
    "Liskov",
    "Dijkstra",
    "Knuth",
    "Allen",
    "Backus",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Berners",
    "Wilson",
    "Rossum",
    "Borg",
    "Wirth",
    "Lamarr",
    "Stroustrup",
)
ADJECTIVES = ("Classic", "Compact", "Deluxe", "Eco", "Pro", "Smart", "Travel", "Ultra", "Vintage", "Wireless")
NOUNS = {
    "electronics": ("Headphones", "Charger", "Speaker", "Camera", "Keyboard"),
    "home": ("Lamp", "Kettle", "Blanket", "Mug", "Clock"),
    "garden": ("Hose", "Planter", "Shears", "Bench", "Lantern"),
    "toys": ("Puzzle", "Robot", "Kite", "Blocks", "Yo-yo"),
    "books": ("Cookbook", "Atlas", "Novel", "Journal", "Guide"),
    "sports": ("Racket", "Ball", "Mat", "Bottle", "Helmet"),
    "beauty": ("Serum", "Brush", "Soap", "Mirror", "Balm"),
}
# Initial status of a new order, with weights.
NEW_STATUSES = (("pending", 30), ("shipped", 25), ("completed", 38), ("cancelled", 5), ("refunded", 2))
# Where a re-sent order moves to, with weights.
NEXT_STATUS = {
    "pending": (("shipped", 60), ("completed", 25), ("cancelled", 15)),
    "shipped": (("completed", 90), ("refunded", 10)),
    "completed": (("refunded", 100),),
}

ORDERS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("user_id", pa.int64()),
        ("status", pa.string()),
        ("created_at", pa.string()),
        ("updated_at", pa.string()),
        ("product_id", pa.int64()),
        ("quantity", pa.int64()),
        ("unit_price", pa.float64()),
        ("amount", pa.float64()),
        ("_deleted", pa.bool_()),
    ]
)
CUSTOMERS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("email", pa.string()),
        ("segment", pa.string()),
        ("country_code", pa.string()),
        ("created_at", pa.timestamp("us")),
        ("updated_at", pa.timestamp("us")),
        ("_deleted", pa.bool_()),
    ]
)
PRODUCTS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("sku", pa.string()),
        ("name", pa.string()),
        ("category", pa.string()),
        ("price_cents", pa.int64()),
        ("is_active", pa.bool_()),
        ("updated_at", pa.timestamp("us")),
        ("_deleted", pa.bool_()),
    ]
)


def day_date(day: int) -> dt.date:
    return DAY_ONE + dt.timedelta(days=day - 1)


def day_start(day: int) -> dt.datetime:
    return dt.datetime.combine(day_date(day), dt.time())


def rng_for(scale: float, day: int, stream: str) -> random.Random:
    # A str seed is hashed with SHA-512 by `random`, independent of PYTHONHASHSEED.
    return random.Random(f"weir-sales|{float(scale)!r}|{day}|{stream}")


def weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values = [c[0] for c in choices]
    weights = [c[1] for c in choices]
    return rng.choices(values, weights)[0]


def scaled(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def messy_case(rng: random.Random, value: str) -> str:
    """Return `value` in a random dirty presentation: case changes and stray spaces."""
    form = rng.randrange(5)
    if form == 0:
        value = value.upper()
    elif form == 1:
        value = value.title()
    elif form == 2:
        value = value.capitalize()
    pad = rng.randrange(4)
    if pad == 1:
        value = " " + value
    elif pad == 2:
        value = value + "  "
    elif pad == 3:
        value = "  " + value + " "
    return value


def messy_status(rng: random.Random, status: str) -> str:
    if status == "cancelled" and rng.random() < 0.4:
        status = "canceled"
    elif status == "completed" and rng.random() < 0.2:
        status = "complete"
    return messy_case(rng, status)


def ts(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


class World:
    """The state of the source systems, advanced one day at a time."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.customers: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.order_counts: dict[int, int] = {}
        self.next_order_id = 1
        # Latest clean version of each live order of the previous day, for re-sends.
        self.previous_orders: list[dict[str, Any]] = []
        self.day = 0

    # -- customers ---------------------------------------------------------------------------------

    def _new_customer(self, rng: random.Random, cid: int, created: dt.datetime) -> dict[str, Any]:
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        return {
            "id": cid,
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}.{cid}@example.com".lower(),
            "segment": rng.choice(SEGMENTS),
            "country_code": rng.choice(COUNTRIES),
            "created_at": created,
            "updated_at": created,
            "_deleted": False,
        }

    def _advance_customers(self, day: int) -> None:
        rng = rng_for(self.scale, day, "customers")
        start = day_start(day)
        if day == 1:
            n = scaled(BASE_CUSTOMERS, self.scale)
            year_start = dt.datetime(2023, 1, 1)
            span = int((start - year_start).total_seconds())
            for cid in range(1, n + 1):
                created = year_start + dt.timedelta(seconds=rng.randrange(span))
                c = self._new_customer(rng, cid, created)
                if rng.random() < 0.3:
                    left = int((start - created).total_seconds())
                    c["updated_at"] = created + dt.timedelta(seconds=rng.randrange(max(1, left)))
                if rng.random() < 0.02:  # test accounts, soft-deleted at the source
                    c["_deleted"] = True
                self.customers[cid] = c
            return
        # Later days: a few profile changes, a few new sign-ups, a few deletions.
        live = [c for c in self.customers.values() if not c["_deleted"]]
        for c in live:
            r = rng.random()
            if r < 0.02:
                c["email"] = f"{c['first_name']}.{c['last_name']}.{c['id']}@mail{day}.example.org".lower()
            elif r < 0.04:
                c["segment"] = rng.choice([s for s in SEGMENTS if s != c["segment"]])
            elif r < 0.045 and self.order_counts.get(c["id"], 0) == 0:
                c["_deleted"] = True  # erasure request of a customer who never ordered
            else:
                continue
            c["updated_at"] = start + dt.timedelta(seconds=rng.randrange(86400))
        next_id = max(self.customers) + 1
        for cid in range(next_id, next_id + max(1, round(0.02 * len(live)))):
            created = start + dt.timedelta(seconds=rng.randrange(6 * 3600))
            self.customers[cid] = self._new_customer(rng, cid, created)

    def customer_rows(self, day: int) -> list[dict[str, Any]]:
        rng = rng_for(self.scale, day, "customers-dirt")
        rows = []
        for c in self.customers.values():
            row = dict(c)
            if rng.random() < 0.1:
                row["email"] = messy_case(rng, row["email"])
            if rng.random() < 0.1:
                row["segment"] = messy_case(rng, row["segment"])
            if rng.random() < 0.05:
                row["country_code"] = messy_case(rng, row["country_code"].lower())
            rows.append(row)
            if rng.random() < 0.01:
                rows.append(dict(row))  # sent twice
        return rows

    # -- products ----------------------------------------------------------------------------------

    def _advance_products(self, day: int) -> None:
        rng = rng_for(self.scale, day, "products")
        start = day_start(day)
        if day == 1:
            n = scaled(BASE_PRODUCTS, self.scale)
            for pid in range(1, n + 1):
                category = CATEGORIES[(pid - 1) % len(CATEGORIES)]
                self.products[pid] = {
                    "id": pid,
                    "sku": f"SKU-{pid:05d}",
                    "name": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS[category])}",
                    "category": category,
                    "price_cents": rng.randrange(199, 25000),
                    "is_active": True,
                    "updated_at": dt.datetime(2023, 6, 1) + dt.timedelta(seconds=rng.randrange(180 * 86400)),
                    "_deleted": False,
                }
            # Test products, soft-deleted in the catalogue and never sold.
            for k in range(3):
                pid = n + 1 + k
                self.products[pid] = {
                    "id": pid,
                    "sku": f"TEST-{k + 1:03d}",
                    "name": "Test product, do not sell",
                    "category": "test",
                    "price_cents": 0,
                    "is_active": False,
                    "updated_at": dt.datetime(2023, 12, 1),
                    "_deleted": True,
                }
            return
        for p in self.products.values():
            if p["_deleted"] or not p["is_active"]:
                continue
            r = rng.random()
            if r < 0.08:
                p["price_cents"] = max(99, round(p["price_cents"] * rng.choice((0.8, 0.9, 1.1, 1.25))))
            elif r < 0.1:
                p["is_active"] = False  # discontinued: stays in the catalogue, no new sales
            else:
                continue
            p["updated_at"] = start + dt.timedelta(seconds=rng.randrange(3 * 3600))

    def product_rows(self, day: int) -> list[dict[str, Any]]:
        rng = rng_for(self.scale, day, "products-dirt")
        rows = []
        for p in self.products.values():
            row = dict(p)
            if rng.random() < 0.15:
                row["category"] = messy_case(rng, row["category"])
            rows.append(row)
            if rng.random() < 0.03:
                rows.append(dict(row))
        return rows

    # -- orders ------------------------------------------------------------------------------------

    def order_rows(self, day: int) -> list[dict[str, Any]]:
        rng = rng_for(self.scale, day, "orders")
        start = day_start(day)
        rows: list[dict[str, Any]] = []

        # Re-sends of the previous day's orders: status changes and late deletions.
        for o in self.previous_orders:
            r = rng.random()
            if r < 0.12 and o["status"] in NEXT_STATUS:
                new = dict(o, status=weighted(rng, NEXT_STATUS[o["status"]]))
            elif r < 0.13:
                new = dict(o, _deleted=True)
            else:
                continue
            new["updated_at"] = ts(start + dt.timedelta(seconds=rng.randrange(86400)))
            if rng.random() < 0.15:
                new["status"] = messy_status(rng, new["status"])
            rows.append(new)

        # The day's new orders.
        live_customers = [cid for cid, c in self.customers.items() if not c["_deleted"]]
        # Some customers order far more often than others.
        weights = [1.0 + 4.0 * (cid % 7 == 0) + 2.0 * (cid % 3 == 0) for cid in live_customers]
        sellable = [p for p in self.products.values() if p["is_active"] and not p["_deleted"]]
        n = scaled(BASE_ORDERS_PER_DAY, self.scale * (0.9 + 0.2 * rng.random()))
        buyers = rng.choices(live_customers, weights, k=n)
        clean: list[dict[str, Any]] = []
        for user_id in buyers:
            product = rng.choice(sellable)
            quantity = rng.choices((1, 2, 3, 4, 5), (50, 25, 12, 8, 5))[0]
            unit_price = product["price_cents"] / 100
            created = start + dt.timedelta(seconds=rng.randrange(86400))
            remaining = int((start + dt.timedelta(days=1) - created).total_seconds())
            updated = created + dt.timedelta(seconds=rng.randrange(min(remaining, 3600)))
            order: dict[str, Any] = {
                "id": self.next_order_id,
                "user_id": user_id,
                "status": weighted(rng, NEW_STATUSES),
                "created_at": ts(created),
                "updated_at": ts(updated),
                "product_id": product["id"],
                "quantity": quantity,
                "unit_price": unit_price,
                "amount": round(quantity * unit_price, 2),
                "_deleted": False,
            }
            self.next_order_id += 1
            r = rng.random()
            if r < 0.01:
                order["user_id"] = None  # guest checkout lost its customer: unusable
            elif r < 0.02:
                order["quantity"] = -rng.randrange(0, 3)  # a bad scan: zero or negative quantity
                order["amount"] = round(order["quantity"] * unit_price, 2)
            elif r < 0.035:
                order["_deleted"] = True  # test order, soft-deleted at the source
            else:
                clean.append(order)
                self.order_counts[user_id] = self.order_counts.get(user_id, 0) + 1
            row = dict(order)
            if rng.random() < 0.15:
                row["status"] = messy_status(rng, row["status"])
            rows.append(row)
            if rng.random() < 0.02:
                rows.append(dict(row))  # the extract sent it twice
        self.previous_orders = clean
        rng.shuffle(rows)
        return rows

    def advance(self) -> None:
        self.day += 1
        self._advance_customers(self.day)
        self._advance_products(self.day)


def to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def generate(day: int, scale: float = 1.0) -> dict[str, pa.Table]:
    """Return the raw tables of `day` (1-based) at `scale`."""
    if day < 1:
        raise ValueError("day must be >= 1")
    if scale <= 0:
        raise ValueError("scale must be > 0")
    world = World(scale)
    orders: list[dict[str, Any]] = []
    for _ in range(day):
        world.advance()
        orders = world.order_rows(world.day)
    return {
        "customers": to_table(world.customer_rows(day), CUSTOMERS_SCHEMA),
        "products": to_table(world.product_rows(day), PRODUCTS_SCHEMA),
        "orders": to_table(orders, ORDERS_SCHEMA),
    }


def write(tables: dict[str, pa.Table], out: Path, day: int) -> list[Path]:
    paths = []
    for name, table in tables.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"day={day:02d}.parquet"
        pq.write_table(table, path, compression="snappy")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None, echo: Callable[[str], object] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=int, required=True, help="day to generate, 1 = 2024-01-15")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier (default 1)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "data" / "raw",
        help="output folder (default: data/raw next to this script)",
    )
    args = parser.parse_args(argv)
    if args.day < 1 or args.scale <= 0 or not math.isfinite(args.scale):
        parser.error("--day must be >= 1 and --scale > 0")
    tables = generate(args.day, args.scale)
    for path, table in zip(write(tables, args.out, args.day), tables.values(), strict=True):
        echo(f"{path}: {table.num_rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

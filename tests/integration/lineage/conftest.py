"""A small project and a local OpenLineage receiver (http.server on a loopback port)."""

from __future__ import annotations

import http.server
import json
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(text), encoding="utf-8")


PROJECT = {
    "dbt_project.yml": """\
        name: shop
        profile: shop
        models:
          shop:
            +materialized: table
        """,
    "seeds/customers.csv": "id,name,country\n1,Ann,DE\n2,Bob,FR\n3,Cid,DE\n",
    "seeds/orders.csv": "id,customer_id,amount\n10,1,5.0\n11,1,7.5\n12,2,3.0\n13,3,20.0\n",
    "models/customer_totals.sql": """\
        with o as (select * from {{ ref('orders') }})
        select c.id, c.name, sum(o.amount) as total, count(*) as order_count
        from {{ ref('customers') }} c
        join o on o.customer_id = c.id
        group by 1, 2
        """,
    "models/big_customers.sql": """\
        {{ config(materialized='view') }}
        select * from {{ ref('customer_totals') }} where total > 10
        """,
    "models/schema.yml": """\
        version: 2
        models:
          - name: customer_totals
            description: Money spent per customer.
            columns:
              - name: id
                description: The customer.
                tests: [not_null, unique]
              - name: total
                description: Sum of the customer's order amounts.
        """,
}


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    write(root, PROJECT)
    return root


class Receiver:
    """Collects the JSON bodies POSTed to it, with their Authorization headers."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.auth: list[str | None] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.events.append(json.loads(body))
                owner.auth.append(self.headers.get("Authorization"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def of(self, job: str) -> list[dict]:
        return [e for e in self.events if e["job"]["name"] == job]


@pytest.fixture
def write_files():
    """``write_files(root, {path: text})``: add or replace project files."""
    return write


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()

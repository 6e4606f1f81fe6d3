"""``weir init``: a small working project."""

from __future__ import annotations

from pathlib import Path

from weir.errors import ConfigError

FILES = {
    "dbt_project.yml": """name: {name}
version: "1.0.0"
profile: {name}

models:
  {name}:
    staging:
      +materialized: view
    marts:
      +materialized: table
""",
    "seeds/raw_orders.csv": """id,customer_id,status,amount,ordered_at
1,10,completed,19.90,2024-01-15 09:30:00
2,11,pending,5.00,2024-01-15 10:00:00
3,10,completed,42.50,2024-01-16 12:15:00
4,12,cancelled,7.25,2024-01-16 13:45:00
""",
    "models/staging/stg_orders.sql": """select
    id as order_id,
    customer_id,
    lower(status) as status,
    cast(amount as decimal(18, 2)) as amount,
    cast(ordered_at as timestamp) as ordered_at
from {{{{ ref('raw_orders') }}}}
""",
    "models/marts/customer_revenue.sql": """select
    customer_id,
    count(*) as orders,
    sum(amount) as revenue
from {{{{ ref('stg_orders') }}}}
where status = 'completed'
group by customer_id
""",
    "models/schema.yml": """version: 2

models:
  - name: stg_orders
    columns:
      - name: order_id
        data_tests: [not_null, unique]
      - name: status
        data_tests:
          - accepted_values:
              arguments:
                values: [completed, pending, cancelled]
  - name: customer_revenue
    columns:
      - name: customer_id
        data_tests: [not_null, unique]
""",
    ".gitignore": "target/\n.weir/\nlakehouse/\n",
}


def create_project(path: Path) -> Path:
    name = path.name.replace("-", "_")
    if not name.replace("_", "").isalnum():
        raise ConfigError(f"project name {path.name!r} must be letters, digits, - and _")
    if path.exists() and any(path.iterdir()):
        raise ConfigError(f"{path} already exists and is not empty", hint="choose another name")
    for rel, text in FILES.items():
        f = path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text.format(name=name), encoding="utf-8")
    for d in ("macros", "snapshots", "tests", "analyses"):
        (path / d).mkdir(exist_ok=True)
    return path.resolve()

"""``weir ui``: the web UI (Starlette) over a project's run ledger, pipelines, lineage and
tables, with ``/metrics`` for Prometheus. Needs the ``ui`` extra."""

from weir.web.app import create_app
from weir.web.data import UIData

__all__ = ["UIData", "create_app"]

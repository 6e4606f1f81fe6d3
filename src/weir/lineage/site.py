"""The static docs site: ``index.html`` (data inlined, works from ``file://`` and offline)
next to ``catalog.json`` and ``lineage.json`` for tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from weir.lineage.layout import layered_layout
from weir.lineage.site_template import PAGE
from weir.lineage.trace import Lineage


def lineage_document(lineage: Lineage) -> dict[str, Any]:
    """``lineage.json``: nodes, edges, column lineage and a layered layout of the graph."""
    data = lineage.to_dict()
    positions = layered_layout(list(lineage.nodes), lineage.edges)
    data["layout"] = {u: {"x": x, "y": y} for u, (x, y) in positions.items()}
    return data


def write_site(catalog: dict[str, Any], lineage: Lineage, out: Path) -> Path:
    """Write the site into ``out``; returns the path of ``index.html``."""
    out.mkdir(parents=True, exist_ok=True)
    doc = lineage_document(lineage)
    (out / "catalog.json").write_text(json.dumps(catalog, indent=1, default=str), encoding="utf-8")
    (out / "lineage.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    payload = json.dumps({"catalog": catalog, "lineage": doc}, default=str)
    # inside <script> only "</" can end the element early
    html = PAGE.replace("__TITLE__", _escape(str(catalog.get("project", "weir")))).replace(
        "__DATA__", payload.replace("</", "<\\/"))
    index = out / "index.html"
    index.write_text(html, encoding="utf-8")
    return index


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""The lineage page: the model graph laid out by ``weir.lineage.layout`` (server-rendered SVG);
clicking a node shows its columns and their lineage, clicking a column traces it up- and
downstream through the graph (same data as the ``weir docs`` site)."""

from __future__ import annotations

LINEAGE = r"""{% extends "base.html" %}
{% block title %}Lineage · {{ project }}{% endblock %}
{% block style %}
.lin { display:grid; grid-template-columns: minmax(0,1fr) 480px; gap:16px; height: calc(100vh - 120px); }
#graph { overflow:auto; background:#fff; border:1px solid var(--line); border-radius:6px; }
#panel { overflow:auto; } #panel td { word-break:break-word; }
.gnode rect { fill:#fff; stroke:#9ca3af; stroke-width:1.2; cursor:pointer; }
.gnode text { font-size:12px; pointer-events:none; } .gnode text.kind { font-size:9px; fill:#6b7280; text-transform:uppercase; }
.gnode.model rect { fill:#eff6ff; } .gnode.source rect { fill:#f0fdf4; } .gnode.seed rect { fill:#fefce8; } .gnode.snapshot rect { fill:#faf5ff; }
.gnode.sel rect { stroke:var(--accent); stroke-width:2.5; }
.gnode.hl rect { stroke:var(--hl); stroke-width:2.5; } .gnode.dim { opacity:.35; }
.edge { fill:none; stroke:#c4c4cc; stroke-width:1.3; } .edge.hl { stroke:var(--hl); stroke-width:2.2; }
tr.col { cursor:pointer; } tr.col:hover { background:#eef2ff; } tr.col.sel { background:#fef3c7; }
{% endblock %}
{% block content %}
{% if not lineage %}
<h1>Lineage</h1><p class="sub">{{ message }}</p>
{% else %}
<h1>Lineage <span class="sub">{{ lineage.nodes|length }} nodes · {{ lineage.edges|length }} edges · click a node, then a column</span></h1>
<div class="lin">
<div id="graph">
<svg id="dag" width="{{ width }}" height="{{ height }}" xmlns="http://www.w3.org/2000/svg">
{% for e in edges %}<path class="edge" data-from="{{ e.p }}" data-to="{{ e.c }}" d="M{{ e.x1 }},{{ e.y1 }} C{{ e.mid }},{{ e.y1 }} {{ e.mid }},{{ e.y2 }} {{ e.x2 }},{{ e.y2 }}"/>
{% endfor %}
{% for n in nodes %}<g class="gnode {{ n.kind }}" data-uid="{{ n.uid }}" transform="translate({{ n.x }},{{ n.y }})">
<rect width="{{ node_w }}" height="{{ node_h }}" rx="6"/><text x="8" y="15">{{ n.label }}</text><text class="kind" x="8" y="29">{{ n.kind }}</text></g>
{% endfor %}
</svg>
</div>
<div id="panel"><p class="sub">Pick a node in the graph.</p></div>
</div>
<script type="application/json" id="weir-lineage">{{ graph_data|tojson_script }}</script>
{% endif %}
{% endblock %}
{% block script %}
<script>
"use strict";
(function () {
  const holder = document.getElementById("weir-lineage");
  if (!holder) return;
  const D = JSON.parse(holder.textContent), LIN = D.lineage, CAT = D.nodes, BASE = document.body.dataset.base;
  let selected = null, column = null;
  const el = (tag, attrs, ...kids) => { const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k == null ? "" : String(k)));
    return e; };
  const nameOf = uid => (LIN.nodes[uid] || {}).name || uid;
  const consumers = {};
  for (const [uid, nl] of Object.entries(LIN.columns)) for (const [col, refs] of Object.entries(nl.columns))
    for (const r of refs) (consumers[r.node + "\u0000" + r.column.toLowerCase()] ||= []).push({node: uid, column: col, kind: r.kind});
  function up(uid, col) {
    const nl = LIN.columns[uid];
    if (nl && Object.keys(nl.columns).length) {
      const key = Object.keys(nl.columns).find(c => c.toLowerCase() === col.toLowerCase());
      return key ? nl.columns[key] : [];
    }
    return LIN.edges.filter(e => e[1] === uid).map(e => ({node: e[0], column: col, kind: "table"}));
  }
  function down(uid, col) {
    const out = (consumers[uid + "\u0000" + col.toLowerCase()] || []).slice();
    for (const [p, c] of LIN.edges) if (p === uid && !(LIN.columns[c] && Object.keys(LIN.columns[c].columns).length))
      out.push({node: c, column: "*", kind: "table"});
    return out;
  }
  function trace(uid, col) {
    const nodes = new Set([uid]), ups = [], downs = [];
    const walk = (u, c, step, list, seen) => { for (const r of step(u, c)) {
      const key = r.node + "." + r.column; if (seen.has(key)) continue; seen.add(key);
      nodes.add(r.node); list.push({from: nameOf(u) + "." + c, ...r});
      if (r.column !== "*") walk(r.node, r.column, step, list, seen); } };
    walk(uid, col, up, ups, new Set()); walk(uid, col, down, downs, new Set());
    return {nodes, ups, downs};
  }
  function paint() {
    const t = selected && column ? trace(selected, column) : null;
    for (const g of document.querySelectorAll(".gnode")) {
      const uid = g.dataset.uid;
      g.classList.toggle("sel", uid === selected);
      g.classList.toggle("hl", !!t && t.nodes.has(uid));
      g.classList.toggle("dim", !!t && !t.nodes.has(uid));
    }
    for (const p of document.querySelectorAll(".edge"))
      p.classList.toggle("hl", !!t && t.nodes.has(p.dataset.from) && t.nodes.has(p.dataset.to));
    const panel = document.getElementById("panel"); panel.replaceChildren();
    const n = CAT[selected];
    if (!selected) { panel.append(el("p", {class: "sub"}, "Pick a node in the graph.")); return; }
    panel.append(el("h2", {id: "panel-title"}, nameOf(selected)));
    panel.append(el("div", {class: "sub"}, (n ? n.resource_type + " · " + (n.materialized || "") : "") + (n && n.relation ? " · " + n.relation : "")));
    if (n) panel.append(el("p", {}, el("a", {href: BASE + "/models/" + encodeURIComponent(selected)}, "open model page →")));
    const cols = n && n.columns.length ? n.columns.map(c => c.name) : Object.keys((LIN.columns[selected] || {}).columns || {});
    const tb = el("table", {id: "panel-columns"}, el("tr", {}, el("th", {}, "column"), el("th", {}, "type"), el("th", {}, "from")));
    for (const c of cols) {
      const type = n ? ((n.columns.find(x => x.name === c) || {}).type || "") : "";
      const refs = up(selected, c).map(r => nameOf(r.node) + "." + r.column + " (" + r.kind + ")").join(", ");
      const tr = el("tr", {class: "col" + (column === c ? " sel" : ""), "data-column": c}, el("td", {}, el("code", {}, c)), el("td", {}, type), el("td", {class: "sub"}, refs));
      tr.addEventListener("click", () => { column = column === c ? null : c; location.hash = selected + (column ? "@" + column : ""); paint(); });
      tb.append(tr);
    }
    if (cols.length) panel.append(el("h2", {}, "Columns"), tb); else panel.append(el("p", {class: "sub"}, "No columns known: build the project."));
    if (t) {
      const box = el("div", {id: "column-lineage"}, el("h2", {}, "Lineage of " + nameOf(selected) + "." + column));
      for (const [label, list] of [["Upstream", t.ups], ["Downstream", t.downs]]) {
        const ul = el("ul", {});
        for (const r of list) ul.append(el("li", {}, r.from + (label === "Upstream" ? " ◀ " : " ▶ ") + nameOf(r.node) + "." + r.column + " (" + r.kind + ")"));
        if (!list.length) ul.append(el("li", {class: "sub"}, "none"));
        box.append(el("h3", {}, label), ul);
      }
      panel.append(box);
    }
  }
  for (const g of document.querySelectorAll(".gnode")) g.addEventListener("click", () => {
    selected = g.dataset.uid; column = null; location.hash = selected; paint(); });
  const [h, c] = decodeURIComponent(location.hash.slice(1)).split("@");
  if (LIN.nodes[h]) { selected = h; column = c || null; paint();
    const g = document.querySelector('.gnode.sel'); if (g && g.scrollIntoView) g.scrollIntoView({block: "center", inline: "center"}); }
})();
</script>
{% endblock %}
"""

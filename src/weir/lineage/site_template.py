"""The docs site's single page: inline CSS and JS, no network. The data is inlined as JSON
(``__DATA__``); text from the project is only ever set as ``textContent``."""

PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__ · weir docs</title>
<style>
:root { --bg:#f7f7f5; --fg:#1d1d1f; --muted:#6b6b70; --line:#d9d9de; --accent:#2563eb; --hl:#f59e0b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:16px; align-items:center; padding:10px 16px; background:#111827; color:#fff; }
header h1 { font-size:16px; margin:0; font-weight:600; }
header .meta { color:#9ca3af; font-size:12px; }
header input { margin-left:auto; padding:5px 8px; border-radius:4px; border:0; width:260px; }
main { display:grid; grid-template-columns: 260px minmax(0, 1fr); height: calc(100vh - 46px); overflow:hidden; }
nav { overflow:auto; border-right:1px solid var(--line); background:#fff; padding:8px 0; }
nav h3 { font-size:11px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:12px 14px 4px; }
nav a { display:block; padding:3px 14px; color:var(--fg); text-decoration:none; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
nav a:hover { background:#eef2ff; } nav a.sel { background:#dbeafe; font-weight:600; }
#right { display:grid; grid-template-rows: minmax(0, 2fr) minmax(0, 3fr); min-width:0; min-height:0; height:100%; }
#graph { overflow:auto; border-bottom:1px solid var(--line); background:#fff; position:relative; }
#graph svg { display:block; }
.gnode rect { fill:#fff; stroke:#9ca3af; stroke-width:1.2; rx:6; cursor:pointer; }
.gnode text { font-size:12px; pointer-events:none; }
.gnode .kind { font-size:9px; fill:var(--muted); text-transform:uppercase; }
.gnode.sel rect { stroke:var(--accent); stroke-width:2.5; }
.gnode.hl rect { stroke:var(--hl); stroke-width:2.5; fill:#fffbeb; }
.gnode.dim { opacity:.35; }
.edge { fill:none; stroke:#c4c4cc; stroke-width:1.3; }
.edge.hl { stroke:var(--hl); stroke-width:2.2; }
#detail { overflow:auto; padding:14px 20px; }
#detail h2 { margin:0 0 2px; font-size:20px; }
.sub { color:var(--muted); margin-bottom:10px; }
.badge { display:inline-block; padding:0 6px; border-radius:9px; font-size:11px; background:#e5e7eb; margin-right:4px; }
.pass,.success { background:#dcfce7; color:#166534; } .fail,.error { background:#fee2e2; color:#991b1b; }
.warn { background:#fef3c7; color:#92400e; } .none { background:#f3f4f6; color:var(--muted); }
table { border-collapse:collapse; width:100%; margin:6px 0 16px; background:#fff; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:11px; text-transform:uppercase; color:var(--muted); }
tr.col { cursor:pointer; } tr.col:hover { background:#eef2ff; } tr.col.sel { background:#fef3c7; }
pre { background:#0f172a; color:#e2e8f0; padding:10px 12px; border-radius:6px; overflow:auto; font-size:12px; }
.k-direct { color:#15803d; } .k-derived { color:#0e7490; } .k-aggregated { color:#a21caf; } .k-window { color:#1d4ed8; }
.k-table,.k-filter,.k-join,.k-group_by { color:#92400e; }
#collineage li { margin:2px 0; }
.legend { position:sticky; left:8px; top:6px; font-size:11px; color:var(--muted); }
</style>
</head>
<body>
<header><h1 id="title"></h1><span class="meta" id="meta"></span>
<input id="search" type="search" placeholder="Search models, sources, columns…" aria-label="search"></header>
<main>
<nav id="nav" aria-label="nodes"></nav>
<div id="right">
  <div id="graph"><div class="legend">Lineage graph · click a node; click a column below to trace it</div></div>
  <section id="detail"></section>
</div>
</main>
<script type="application/json" id="weir-data">__DATA__</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("weir-data").textContent);
const CAT = DATA.catalog, LIN = DATA.lineage;
const NODES = CAT.nodes;
const GROUPS = [["model","Models"],["asset","Assets"],["snapshot","Snapshots"],["seed","Seeds"],["source","Sources"],["ingest","Ingestion"],["stream","Streams"]];
const SVGNS = "http://www.w3.org/2000/svg";
let selected = null, selectedColumn = null;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === "class") e.className = v; else e.setAttribute(k, v); }
  for (const kid of kids) e.append(kid instanceof Node ? kid : document.createTextNode(kid == null ? "" : String(kid)));
  return e;
}
function svg(tag, attrs) { const e = document.createElementNS(SVGNS, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; }
function nameOf(uid) { return (LIN.nodes[uid] || {}).name || uid; }

// ---- navigation ---------------------------------------------------------------------
function renderNav(filter) {
  const nav = document.getElementById("nav"); nav.replaceChildren();
  const q = (filter || "").toLowerCase();
  for (const [kind, label] of GROUPS) {
    const items = Object.values(NODES).filter(n => n.resource_type === kind).filter(n =>
      !q || n.name.toLowerCase().includes(q) || (n.description || "").toLowerCase().includes(q) ||
      n.columns.some(c => c.name.toLowerCase().includes(q))).sort((a, b) => a.name.localeCompare(b.name));
    if (!items.length) continue;
    nav.append(el("h3", {}, `${label} (${items.length})`));
    for (const n of items) {
      const a = el("a", {href: "#" + encodeURIComponent(n.unique_id), class: n.unique_id === selected ? "sel" : "", "data-uid": n.unique_id}, n.name);
      nav.append(a);
    }
  }
}

// ---- graph ----------------------------------------------------------------------------
const W = 180, H = 36, PAD = 30;
function renderGraph() {
  const host = document.getElementById("graph");
  host.querySelectorAll("svg").forEach(s => s.remove());
  const pos = LIN.layout;
  let maxX = 0, maxY = 0;
  for (const p of Object.values(pos)) { maxX = Math.max(maxX, p.x); maxY = Math.max(maxY, p.y); }
  const s = svg("svg", {width: maxX + W + 2 * PAD, height: maxY + H + 2 * PAD + 16, id: "dag"});
  const hl = highlightSet();
  for (const [p, c] of LIN.edges) {
    if (!pos[p] || !pos[c]) continue;
    const x1 = pos[p].x + PAD + W, y1 = pos[p].y + PAD + 16 + H / 2, x2 = pos[c].x + PAD, y2 = pos[c].y + PAD + 16 + H / 2;
    const mid = (x1 + x2) / 2;
    const on = hl && hl.nodes.has(p) && hl.nodes.has(c);
    s.append(svg("path", {d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge" + (on ? " hl" : "")}));
  }
  for (const [uid, p] of Object.entries(pos)) {
    const info = LIN.nodes[uid];
    let cls = "gnode";
    if (uid === selected) cls += " sel";
    if (hl) cls += hl.nodes.has(uid) ? " hl" : " dim";
    const g = svg("g", {class: cls, transform: `translate(${p.x + PAD},${p.y + PAD + 16})`, "data-uid": uid});
    g.append(svg("rect", {width: W, height: H}));
    const t = svg("text", {x: 8, y: 15}); t.textContent = info.name.length > 26 ? info.name.slice(0, 25) + "…" : info.name;
    const k = svg("text", {x: 8, y: 29, class: "kind"}); k.textContent = info.resource_type + (hl && hl.columns[uid] ? " · " + [...hl.columns[uid]].join(", ") : "");
    g.append(t, k);
    g.addEventListener("click", () => { location.hash = "#" + encodeURIComponent(uid); });
    s.append(g);
  }
  host.append(s);
}

// ---- column lineage --------------------------------------------------------------------
function consumers() {
  const out = {};
  for (const [uid, nl] of Object.entries(LIN.columns)) for (const [col, refs] of Object.entries(nl.columns))
    for (const r of refs) (out[r.node + "\u0000" + r.column.toLowerCase()] ||= []).push({node: uid, column: col, kind: r.kind});
  return out;
}
const CONSUMERS = consumers();
function upstreamOf(uid, col) {
  const nl = LIN.columns[uid];
  if (nl && Object.keys(nl.columns).length) {
    const key = Object.keys(nl.columns).find(c => c.toLowerCase() === col.toLowerCase());
    return key ? nl.columns[key] : [];
  }
  return LIN.edges.filter(e => e[1] === uid).map(e => ({node: e[0], column: col, kind: "table"}));
}
function downstreamOf(uid, col) {
  const out = (CONSUMERS[uid + "\u0000" + col.toLowerCase()] || []).slice();
  for (const [p, c] of LIN.edges) if (p === uid && !(LIN.columns[c] && Object.keys(LIN.columns[c].columns).length))
    out.push({node: c, column: "*", kind: "table"});
  return out;
}
function trace(uid, col) {
  const nodes = new Set([uid]), columns = {[uid]: new Set([col])}, up = [], down = [];
  const walk = (u, c, step, list, seen) => {
    for (const r of step(u, c)) {
      const key = r.node + "." + r.column;
      if (seen.has(key)) continue; seen.add(key);
      nodes.add(r.node); (columns[r.node] ||= new Set()).add(r.column);
      list.push({from: u + "." + c, ...r});
      if (r.column !== "*") walk(r.node, r.column, step, list, seen);
    }
  };
  walk(uid, col, upstreamOf, up, new Set()); walk(uid, col, downstreamOf, down, new Set());
  return {nodes, columns, up, down};
}
function highlightSet() { return selected && selectedColumn ? trace(selected, selectedColumn) : null; }

// ---- details ----------------------------------------------------------------------------
function badge(status) { return el("span", {class: "badge " + (status || "none")}, status || "not run"); }
function renderDetail() {
  const d = document.getElementById("detail"); d.replaceChildren();
  const n = NODES[selected];
  if (!n) { d.append(el("p", {class: "sub"}, `${Object.keys(NODES).length} nodes. Pick one on the left or in the graph.`)); return; }
  d.append(el("h2", {}, n.name));
  d.append(el("div", {class: "sub"}, `${n.resource_type} · ${n.materialized}` + (n.relation ? ` · ${n.relation}` : "") + (n.path ? ` · ${n.path}` : "")));
  if (n.tags.length) d.append(el("div", {}, ...n.tags.map(t => el("span", {class: "badge"}, t))));
  d.append(el("p", {class: "description"}, n.description || "No description."));
  const nl = LIN.columns[n.unique_id];
  if (nl && !nl.complete) for (const note of nl.notes) d.append(el("p", {class: "sub"}, "Lineage note: " + note));
  d.append(el("h3", {}, "Columns"));
  const tb = el("table", {id: "columns"}, el("tr", {}, el("th", {}, "column"), el("th", {}, "type"), el("th", {}, "description"), el("th", {}, "from")));
  for (const c of n.columns) {
    const refs = upstreamOf(n.unique_id, c.name).map(r => `${nameOf(r.node)}.${r.column} (${r.kind})`).join(", ");
    const tr = el("tr", {class: "col" + (selectedColumn === c.name ? " sel" : ""), "data-column": c.name},
      el("td", {}, el("code", {}, c.name)), el("td", {}, c.type || "—"), el("td", {}, c.description || ""), el("td", {class: "sub"}, refs));
    tr.addEventListener("click", () => { location.hash = "#" + encodeURIComponent(n.unique_id) + (selectedColumn === c.name ? "" : "@" + encodeURIComponent(c.name)); });
    tb.append(tr);
  }
  if (!n.columns.length) d.append(el("p", {class: "sub"}, "No columns known yet: build the project to fill the catalog."));
  else d.append(tb);
  if (selectedColumn) {
    const t = trace(n.unique_id, selectedColumn);
    const box = el("div", {id: "collineage"}, el("h3", {}, `Lineage of ${n.name}.${selectedColumn}`));
    for (const [label, list] of [["Upstream", t.up], ["Downstream", t.down]]) {
      const ul = el("ul", {});
      for (const r of list) ul.append(el("li", {}, `${r.from} ${label === "Upstream" ? "◀" : "▶"} ${nameOf(r.node)}.${r.column} `, el("span", {class: "k-" + r.kind}, r.kind)));
      if (!list.length) ul.append(el("li", {class: "sub"}, "none"));
      box.append(el("h4", {}, label), ul);
    }
    d.append(box);
  }
  d.append(el("h3", {}, "Tests and checks"));
  if (!n.tests.length) d.append(el("p", {class: "sub"}, "No tests."));
  else {
    const tt = el("table", {id: "tests"}, el("tr", {}, el("th", {}, "test"), el("th", {}, "column"), el("th", {}, "severity"), el("th", {}, "last result"), el("th", {}, "failures")));
    for (const t of n.tests) tt.append(el("tr", {}, el("td", {}, t.name), el("td", {}, t.column || ""), el("td", {}, t.severity), el("td", {}, badge(t.status)), el("td", {}, t.failures == null ? "" : t.failures)));
    d.append(tt);
  }
  const sql = n.compiled_sql || (n.raw_code && n.resource_type !== "source" ? n.raw_code : null);
  if (sql) { d.append(el("h3", {}, n.compiled_sql ? "Compiled SQL" : (n.language === "python" ? "Code" : "Source"))); d.append(el("pre", {}, sql)); }
}

function update() {
  renderNav(document.getElementById("search").value);
  renderGraph();
  renderDetail();
  const g = document.querySelector(`.gnode.sel`);
  if (g && g.scrollIntoView) g.scrollIntoView({block: "nearest", inline: "nearest"});
}
function fromHash() {  // #<unique id>[@<column>]
  const [uid, col] = location.hash.slice(1).split("@").map(decodeURIComponent);
  selected = NODES[uid] ? uid : null;
  selectedColumn = selected && col ? col : null;
  update();
}
document.getElementById("title").textContent = CAT.project;
document.getElementById("meta").textContent = `target ${CAT.target} · generated ${CAT.generated_at}`;
document.getElementById("search").addEventListener("input", e => renderNav(e.target.value));
window.addEventListener("hashchange", fromHash);
fromHash();
</script>
</body>
</html>
"""

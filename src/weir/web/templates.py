"""The UI's page templates (Jinja, autoescaped), kept as Python strings so they ship in every
wheel. Inline CSS and JS only: the UI works offline. Blocks named ``live_*`` are re-fetched
(``?fragment=live_x``) when the server-sent events say the ledger changed."""

from __future__ import annotations

from weir.web.templates_pages import PAGES

BASE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ project }}{% endblock %} · weir</title>
<style>
:root { --bg:#f6f7f9; --fg:#1c1e21; --muted:#6b7280; --line:#e2e4e8; --accent:#2563eb;
  --ok:#16a34a; --bad:#dc2626; --busy:#2563eb; --warn:#d97706; --none:#9ca3af; --hl:#f59e0b; }
* { box-sizing:border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:20px; padding:0 20px; height:48px; background:#111827; color:#fff; }
header .brand { font-weight:700; letter-spacing:.02em; }
header .brand small { font-weight:400; color:#9ca3af; margin-left:6px; }
header nav a { color:#d1d5db; text-decoration:none; margin-right:14px; }
header nav a.on, header nav a:hover { color:#fff; }
header .live { margin-left:auto; font-size:12px; color:#9ca3af; }
header .live.on::before { content:"●"; color:#22c55e; margin-right:4px; }
main { padding:18px 22px; max-width:1400px; }
h1 { font-size:20px; margin:0 0 4px; } h2 { font-size:16px; margin:22px 0 8px; }
.sub { color:var(--muted); font-size:13px; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); border-radius:6px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:11px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); background:#fafafa; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; background:var(--none); }
.badge.ok { background:var(--ok); } .badge.bad { background:var(--bad); } .badge.busy { background:var(--busy); }
.badge.warn { background:var(--warn); }
.dot { display:inline-block; width:12px; height:12px; border-radius:3px; margin-right:2px; background:var(--none); vertical-align:middle; }
.dot.ok { background:var(--ok); } .dot.bad { background:var(--bad); } .dot.busy { background:var(--busy); } .dot.warn { background:var(--warn); }
.grid { display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1fr); gap:22px; }
pre { background:#0f172a; color:#e2e8f0; padding:10px 12px; border-radius:6px; overflow:auto; font-size:12px; white-space:pre-wrap; }
code { font-size:12.5px; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 14px; }
.kv { display:flex; gap:24px; flex-wrap:wrap; margin:8px 0 4px; }
.kv div span { display:block; font-size:11px; text-transform:uppercase; color:var(--muted); }
.empty { color:var(--muted); padding:10px 0; }
.error { color:var(--bad); }
{% block style %}{% endblock %}
</style>
</head>
<body data-base="{{ base }}" data-state="{{ state_token }}">
<header>
  <span class="brand">weir<small>{{ project }}</small></span>
  <nav>
    <a href="{{ base }}/" class="{{ 'on' if section == 'home' }}">Runs</a>
    <a href="{{ base }}/pipelines" class="{{ 'on' if section == 'pipelines' }}">Pipelines</a>
    <a href="{{ base }}/lineage" class="{{ 'on' if section == 'lineage' }}">Lineage</a>
    <a href="{{ base }}/tables" class="{{ 'on' if section == 'tables' }}">Tables</a>
    <a href="{{ base }}/metrics">Metrics</a>
  </nav>
  <span class="live" id="live" title="live updates from the run ledger; times in UTC">static</span>
</header>
<main>
{% block content %}{% endblock %}
</main>
<script>
"use strict";
(function () {
  const regions = document.querySelectorAll("[data-live]");
  const badge = document.getElementById("live");
  if (!regions.length || !window.EventSource) return;
  const base = document.body.dataset.base;
  const es = new EventSource(base + "/api/events?since=" + encodeURIComponent(document.body.dataset.state));
  es.onopen = () => { badge.textContent = "live"; badge.classList.add("on"); };
  es.onerror = () => { badge.textContent = "reconnecting"; badge.classList.remove("on"); };
  let busy = false;
  es.addEventListener("change", async () => {
    if (busy) return; busy = true;
    try {
      for (const el of document.querySelectorAll("[data-live]")) {
        const url = new URL(location.href); url.searchParams.set("fragment", el.dataset.live);
        const r = await fetch(url, {credentials: "same-origin"});
        if (r.ok) { el.innerHTML = await r.text(); el.dispatchEvent(new Event("weir:updated")); }
      }
    } finally { busy = false; }
  });
})();
</script>
{% block script %}{% endblock %}
</body>
</html>
"""

TEMPLATES = {"base.html": BASE, **PAGES}

"""The data-docs page template (Jinja, autoescaped) with its inline stylesheet.

Kept as a Python string, not an ``.html`` file, so it ships in every wheel without
package-data configuration.
"""

from __future__ import annotations

STYLE = """
:root { --fg:#1f2328; --muted:#656d76; --line:#d8dee4; --bg:#f6f8fa; --card:#fff;
  --pass:#1a7f37; --pass-bg:#dafbe1; --warn:#9a6700; --warn-bg:#fff8c5;
  --fail:#cf222e; --fail-bg:#ffebe9; --none:#656d76; --none-bg:#eaeef2; --accent:#0969da; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
  color:var(--fg); background:var(--bg); }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header { background:#24292f; color:#fff; padding:18px 32px; }
header h1 { margin:0; font-size:20px; font-weight:600; }
header .sub { color:#c9d1d9; font-size:13px; margin-top:2px; }
main { max-width:1180px; margin:0 auto; padding:20px 32px 48px; }
.cards { display:flex; gap:12px; flex-wrap:wrap; margin:4px 0 20px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 16px; min-width:120px; }
.card .n { font-size:22px; font-weight:600; } .card .l { color:var(--muted); font-size:12px; }
.card.pass .n { color:var(--pass); } .card.warn .n { color:var(--warn); } .card.fail .n { color:var(--fail); }
section.box { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 20px;
  margin:0 0 20px; }
h2 { font-size:17px; margin:0 0 4px; display:flex; align-items:center; gap:10px; flex-wrap:wrap; }
h2 code { font-size:16px; }
h3 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:16px 0 6px; }
.meta { color:var(--muted); font-size:12.5px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th { text-align:left; font-weight:600; color:var(--muted); font-size:12px; border-bottom:1px solid var(--line);
  padding:6px 8px; white-space:nowrap; }
td { border-bottom:1px solid #eef1f4; padding:5px 8px; vertical-align:middle; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.msg { color:var(--muted); max-width:340px; }
tr:last-child td { border-bottom:none; }
code { font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",monospace; font-size:12.5px; }
.badge { display:inline-block; border-radius:10px; padding:0 8px; font-size:11.5px; font-weight:600;
  line-height:19px; text-transform:uppercase; letter-spacing:.03em; }
.s-pass { color:var(--pass); background:var(--pass-bg); } .s-warn { color:var(--warn); background:var(--warn-bg); }
.s-fail, .s-error { color:var(--fail); background:var(--fail-bg); }
.s-none, .s-skip { color:var(--none); background:var(--none-bg); }
.hist { display:inline-flex; gap:2px; vertical-align:middle; }
.hist a { display:inline-block; width:9px; height:16px; border-radius:2px; }
.hist .h-pass { background:var(--pass); } .hist .h-warn { background:#d4a72c; }
.hist .h-fail, .hist .h-error { background:var(--fail); } .hist .h-none, .hist .h-skip { background:#afb8c1; }
.quarantine { background:var(--warn-bg); border:1px solid #eed888; border-radius:6px; padding:8px 12px;
  margin:10px 0 0; }
.spark { vertical-align:middle; overflow:visible; }
.spark-line { fill:none; stroke:var(--accent); stroke-width:1.4; }
.spark-pt { fill:var(--accent); } .spark-last { fill:var(--accent); stroke:#fff; stroke-width:1; }
.spark-anomaly { fill:var(--fail); stroke:#fff; stroke-width:1; }
.spark-empty { fill:var(--muted); font-size:10px; }
.mcell { white-space:nowrap; } .mcell .v { display:inline-block; min-width:52px; text-align:right;
  margin-right:6px; font-variant-numeric:tabular-nums; }
h3 .meta { text-transform:none; letter-spacing:0; font-weight:400; }
.metrics td { padding:3px 8px; }
.rowcount { display:flex; align-items:center; gap:12px; margin:6px 0 0; }
.rowcount .v { font-size:18px; font-weight:600; font-variant-numeric:tabular-nums; }
.empty { color:var(--muted); font-style:italic; }
:target { scroll-margin-top:12px; }
section.box:target, tr:target td { background:#fffbe6; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:12px; }
"""

TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.project }} · data quality</title>
<style>""" + STYLE + """</style>
</head>
<body>
{% macro history(t) %}<span class="hist">{% for h in t.status_history %}<a class="h-{{ h.status }}"
  href="#{{ h.run_id | run_anchor }}" title="{{ h.status }} · {{ h.recorded_at | when }} · run {{ h.run_id }}
{{ h.counts.pass }} passed, {{ h.counts.warn }} warned, {{ h.counts.fail + h.counts.error }} failed"></a>{% endfor %}</span>{% endmacro %}
<header>
  <h1>{{ r.project }} · data quality</h1>
  <div class="sub">weir data docs · generated {{ r.generated_at }}</div>
</header>
<main>
<div class="cards">
  <div class="card"><div class="n">{{ r.summary.tables }}</div><div class="l">tables</div></div>
  <div class="card pass"><div class="n">{{ r.summary.pass }}</div><div class="l">checks passed</div></div>
  <div class="card warn"><div class="n">{{ r.summary.warn }}</div><div class="l">warnings</div></div>
  <div class="card fail"><div class="n">{{ r.summary.fail + r.summary.error }}</div><div class="l">failed</div></div>
  <div class="card"><div class="n">{{ r.summary.quarantined_rows | value }}</div><div class="l">rows quarantined</div></div>
</div>

{% if not r.tables %}
<section class="box"><p class="empty">No checks or metrics recorded yet. Run <code>weir build</code> on models
with checks, then write this report again.</p></section>
{% else %}
<section class="box" id="overview">
  <h2>Tables</h2>
  <table>
    <thead><tr><th>Table</th><th>Status</th><th class="num">Checks</th><th>Recent runs</th>
      <th class="num">Rows</th><th>Row count</th><th class="num">Quarantined</th><th>Last run</th></tr></thead>
    <tbody>
    {% for t in r.tables %}
    {% set rc = t.metrics | selectattr("metric", "equalto", "row_count") | list %}
    <tr>
      <td><a href="#{{ t.anchor }}"><code>{{ t.name }}</code></a></td>
      <td><span class="badge s-{{ t.status }}">{{ t.status | label }}</span></td>
      <td class="num">{{ t.checks | length }}</td>
      <td>{{ history(t) }}</td>
      <td class="num">{{ t.row_count | value }}</td>
      <td>{% if rc %}{{ rc[0].points | spark }}{% endif %}</td>
      <td class="num">{% if t.quarantine %}{{ t.quarantined_rows | value }}{% else %}&ndash;{% endif %}</td>
      <td>{% if t.latest_run_id %}<a href="#{{ t.latest_run_id | run_anchor }}"><code>{{ t.latest_run_id }}</code></a>
        <div class="meta">{{ t.latest_at | when }}</div>{% endif %}</td>
    </tr>
    {% endfor %}
    </tbody>
  </table>
</section>
{% endif %}


{% for t in r.tables %}
<section class="box" id="{{ t.anchor }}">
  <h2><code>{{ t.name }}</code> <span class="badge s-{{ t.status }}">{{ t.status | label }}</span> {{ history(t) }}</h2>
  <div class="meta"><code>{{ t.unique_id }}</code>
    {% if t.checks_run_id %} · checks from run <a href="#{{ t.checks_run_id | run_anchor }}"><code>{{ t.checks_run_id }}</code></a>{% endif %}
    {% if t.latest_run_id %} · last recorded {{ t.latest_at | when }}{% endif %}</div>

  {% if t.quarantine %}
  <div class="quarantine"><strong>{{ t.quarantined_rows | value }} rows quarantined</strong> in run
    <a href="#{{ t.checks_run_id | run_anchor }}"><code>{{ t.checks_run_id }}</code></a>
    {% for q in t.quarantine %}{% if q.message or q.column_name %}<div class="meta">
      {% if q.column_name %}<code>{{ q.column_name }}</code>: {% endif %}{{ q.unexpected_count | value }} rows{% if q.message %} — {{ q.message }}{% endif %}</div>{% endif %}{% endfor %}
  </div>
  {% endif %}

  <h3>Checks</h3>
  {% if t.checks %}
  <table>
    <thead><tr><th>Check</th><th>Column</th><th>Severity</th><th>Status</th><th>Observed</th>
      <th class="num">Unexpected</th><th class="num">%</th><th>Message</th></tr></thead>
    <tbody>
    {% for c in t.checks %}
    <tr>
      <td><code>{{ c.check_name }}</code></td>
      <td>{% if c.column_name %}<code>{{ c.column_name }}</code>{% else %}<span class="meta">table</span>{% endif %}</td>
      <td>{{ c.severity }}</td>
      <td><span class="badge s-{{ c.status }}">{{ c.status }}</span></td>
      <td>{{ c.observed | observed }}</td>
      <td class="num">{{ c.unexpected_count | value }}</td>
      <td class="num">{{ c.unexpected_percent | percent }}</td>
      <td class="msg">{{ c.message or "" }}</td>
    </tr>
    {% endfor %}
    </tbody>
  </table>
  {% else %}<p class="empty">No check results recorded.</p>{% endif %}

  {% set table_level = t.metrics | selectattr("column", "none") | list %}
  {% set per_column = t.metrics | rejectattr("column", "none") | groupby_column %}
  {% if t.metrics %}
  <h3>Metrics <span class="meta">(last {{ (t.metrics | map(attribute="points") | map("length") | max) }} runs; hover a point for its run)</span></h3>
  {% for m in table_level %}
  <div class="rowcount"><span class="meta">{{ m.metric }}</span><span class="v">{{ m.latest | value(m.latest_text) }}</span>
    {{ m.points | spark }}</div>
  {% endfor %}
  {% if per_column %}
  <table class="metrics">
    <thead><tr><th>Column</th>{% for name in column_metrics %}<th>{{ name }}</th>{% endfor %}</tr></thead>
    <tbody>
    {% for column, cells in per_column %}
    <tr><td><code>{{ column }}</code></td>
      {% for name in column_metrics %}<td class="mcell">{% if name in cells %}{% set m = cells[name] %}<span class="v">{{ m.latest | value(m.latest_text) }}</span>{{ m.points | spark(84) }}{% endif %}</td>{% endfor %}
    </tr>
    {% endfor %}
    </tbody>
  </table>
  {% endif %}
  {% endif %}
</section>
{% endfor %}

{% if r.runs %}
<section class="box" id="runs">
  <h2>Runs</h2>
  <table>
    <thead><tr><th>Run</th><th>When</th><th>Command</th><th>Run status</th><th>Checks</th><th>Tables</th></tr></thead>
    <tbody>
    {% for run in r.runs %}
    <tr id="{{ run.run_id | run_anchor }}">
      <td><code>{{ run.run_id }}</code></td>
      <td class="num">{{ (run.started_at or run.recorded_at) | when }}</td>
      <td>{{ run.command or "" }}</td>
      <td>{% if run.status %}<span class="badge s-{{ 'pass' if run.status == 'success' else ('fail' if run.status in ('error', 'fail') else 'none') }}">{{ run.status }}</span>{% else %}&ndash;{% endif %}</td>
      <td><span class="badge s-{{ run.status_checks }}">{{ run.status_checks | label }}</span></td>
      <td>{% for n in run.tables %}<a href="#{{ r.tables | selectattr('unique_id', 'equalto', n.unique_id) | map(attribute='anchor') | first }}"><code>{{ n.name }}</code></a>{% if n.status != "none" %} <span class="badge s-{{ n.status }}">{{ n.status }}</span>{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}</td>
    </tr>
    {% endfor %}
    </tbody>
  </table>
</section>
{% endif %}
</main>
<footer>Written by <code>weir checks report</code> from the run ledger. Static page: no scripts, no network.</footer>
</body>
</html>
"""

"""Templates of the run, pipeline, model and table pages (see ``weir.web.templates``)."""

from __future__ import annotations

from weir.web.templates_lineage import LINEAGE

HOME = r"""{% extends "base.html" %}
{% block title %}Runs · {{ project }}{% endblock %}
{% block content %}
<h1>Recent runs</h1>
<div class="sub">Builds (<code>weir build</code>, <code>run</code>, <code>test</code>, ...) and pipeline runs from the run ledger; this page updates while runs go.</div>
<div class="grid">
<section>
<h2>Pipeline runs</h2>
<div id="pipeline-runs" data-live="live_pipeline_runs">{% block live_pipeline_runs %}
{% if pipeline_runs %}
<table><tr><th>pipeline</th><th>logical date</th><th>type</th><th>state</th><th>started</th><th class="num">duration</th></tr>
{% for r in pipeline_runs %}
<tr data-run-id="{{ r.run_id }}"><td><a href="{{ base }}/pipelines/{{ r.pipeline_id }}/runs/{{ r.run_id }}">{{ r.pipeline_id }}</a></td>
<td>{{ r.logical_date|when }}</td><td>{{ r.run_type }}</td>
<td><span class="badge {{ r.state|state }}" data-state="{{ r.state }}">{{ r.state }}</span></td>
<td>{{ r.started_at|when }}</td><td class="num">{{ r.duration_s|duration }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">No pipeline runs yet: <code>weir trigger PIPELINE</code> or <code>weir scheduler</code>.</p>{% endif %}
{% endblock %}</div>
</section>
<section>
<h2>Builds</h2>
<div id="builds" data-live="live_builds">{% block live_builds %}
{% if builds %}
<table><tr><th>run</th><th>command</th><th>status</th><th>started</th><th class="num">duration</th><th class="num">nodes</th><th class="num">errors</th></tr>
{% for r in builds %}
<tr data-run-id="{{ r.run_id }}"><td><a href="{{ base }}/runs/{{ r.run_id }}"><code>{{ r.run_id }}</code></a></td><td>{{ r.command }}</td>
<td><span class="badge {{ r.status|state }}" data-state="{{ r.status }}">{{ r.status }}</span></td>
<td>{{ r.started_at|when }}</td><td class="num">{{ r.duration_s|duration }}</td>
<td class="num">{{ r.nodes }}</td><td class="num">{{ r.errors }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">No builds yet: <code>weir build</code>.</p>{% endif %}
{% endblock %}</div>
</section>
</div>
{% endblock %}
"""

RUN = r"""{% extends "base.html" %}
{% block title %}Run {{ run.run_id }} · {{ project }}{% endblock %}
{% block content %}
<div data-live="live_run">{% block live_run %}
<h1>{{ run.command }} run <code>{{ run.run_id }}</code> <span class="badge {{ run.status|state }}">{{ run.status }}</span></h1>
<div class="kv"><div><span>started</span>{{ run.started_at|when }}</div><div><span>finished</span>{{ run.finished_at|when }}</div>
<div><span>duration</span>{{ run.duration_s|duration }}</div><div><span>target</span>{{ run.target }}</div></div>
<h2>Nodes</h2>
{% if run.nodes %}
<table id="nodes"><tr><th>node</th><th>type</th><th>status</th><th class="num">rows</th><th class="num">duration</th><th>message</th></tr>
{% for n in run.nodes %}
<tr><td>{% if n.resource_type != 'test' %}<a href="{{ base }}/models/{{ n.unique_id }}">{{ n.name }}</a>{% else %}{{ n.name }}{% endif %}</td>
<td>{{ n.resource_type }}</td><td><span class="badge {{ n.status|state }}">{{ n.status }}</span></td>
<td class="num">{{ n.rows_affected|number }}</td><td class="num">{{ n.duration_s|duration }}</td><td class="sub">{{ n.message or '' }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">No node finished yet.</p>{% endif %}
<h2>Tables written</h2>
{% if run.tables %}
<table id="tables"><tr><th>table</th><th>format</th><th class="num">version</th><th>operation</th><th class="num">rows in</th><th class="num">rows written</th><th class="num">rows deleted</th><th class="num">bytes</th><th class="num">files</th></tr>
{% for t in run.tables %}
<tr><td><a href="{{ base }}/tables/{{ t.relation|display }}">{{ t.relation|display }}</a></td><td>{{ t.format }}</td><td class="num">{{ t.version|number }}</td>
<td>{{ t.operation }}</td><td class="num">{{ t.rows_in|number }}</td><td class="num">{{ t.rows_written|number }}</td>
<td class="num">{{ t.rows_deleted|number }}</td><td class="num">{{ t.bytes_written|size }}</td><td class="num">{{ t.files_added|number }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">This run committed no table.</p>{% endif %}
<h2>Checks</h2>
{% if run.checks %}
<table id="checks"><tr><th>node</th><th>check</th><th>column</th><th>severity</th><th>status</th><th class="num">failing</th><th>message</th></tr>
{% for c in run.checks %}
<tr><td><a href="{{ base }}/models/{{ c.unique_id }}">{{ c.unique_id.split('.')[-1] }}</a></td><td>{{ c.check_name }}</td><td>{{ c.column_name or '' }}</td>
<td>{{ c.severity }}</td><td><span class="badge {{ c.status|state }}">{{ c.status }}</span></td><td class="num">{{ c.unexpected_count|number }}</td><td class="sub">{{ c.message or '' }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">No checks recorded in this run.</p>{% endif %}
{% endblock %}</div>
{% endblock %}
"""

PIPELINES = r"""{% extends "base.html" %}
{% block title %}Pipelines · {{ project }}{% endblock %}
{% block content %}
<h1>Pipelines</h1>
<div class="sub">From the project's pipeline folder. Squares: the last runs, newest first.</div>
{% for e in load_errors %}<p class="error">{{ e }}</p>{% endfor %}
<div data-live="live_pipelines">{% block live_pipelines %}
{% if pipelines %}
<table id="pipelines"><tr><th>pipeline</th><th>schedule</th><th>next run</th><th class="num">tasks</th><th>last runs</th><th>tags</th></tr>
{% for p in pipelines %}
<tr><td><a href="{{ base }}/pipelines/{{ p.pipeline_id }}">{{ p.pipeline_id }}</a>
{% if p.description %}<div class="sub">{{ p.description }}</div>{% endif %}
{% for e in p.problems %}<div class="error">{{ e }}</div>{% endfor %}</td>
<td><code>{{ p.schedule }}</code></td><td>{{ p.next_run|when }}</td><td class="num">{{ p.tasks }}</td>
<td>{% for r in p.last_runs %}<a href="{{ base }}/pipelines/{{ p.pipeline_id }}/runs/{{ r.run_id }}" title="{{ r.logical_date }} {{ r.state }}"><span class="dot {{ r.state|state }}"></span></a>{% else %}<span class="sub">never run</span>{% endfor %}</td>
<td>{{ p.tags|join(', ') }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">No pipelines: put Python files defining them in <code>pipelines/</code>.</p>{% endif %}
{% endblock %}</div>
{% endblock %}
"""

PIPELINE = r"""{% extends "base.html" %}
{% block title %}{{ pipeline.pipeline_id }} · {{ project }}{% endblock %}
{% block style %}
.layout { display:grid; grid-template-columns: 300px minmax(0,1fr); gap:22px; }
.runs a { display:block; padding:5px 8px; border-bottom:1px solid var(--line); color:var(--fg); }
.runs a.sel { background:#dbeafe; }
.gantt { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.grow { display:grid; grid-template-columns: 220px minmax(0,1fr) 150px; gap:10px; align-items:center; padding:4px 0; border-bottom:1px dashed var(--line); }
.grow .name { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.track { position:relative; height:20px; background:#f3f4f6; border-radius:4px; }
.bar { position:absolute; top:2px; height:16px; border-radius:3px; background:var(--none); }
.bar.ok { background:var(--ok); } .bar.bad { background:var(--bad); } .bar.warn { background:var(--warn); }
.bar.busy { background:repeating-linear-gradient(45deg, var(--busy), var(--busy) 6px, #60a5fa 6px, #60a5fa 12px); }
.axis { display:grid; grid-template-columns: 220px minmax(0,1fr) 150px; gap:10px; font-size:11px; color:var(--muted); }
.axis .ticks { display:flex; justify-content:space-between; }
{% endblock %}
{% block content %}
<h1>{{ pipeline.pipeline_id }}</h1>
<div class="sub">{{ pipeline.description }}</div>
<div class="kv"><div><span>schedule</span><code>{{ pipeline.schedule }}</code></div><div><span>next run</span>{{ pipeline.next_run|when }}</div>
<div><span>tasks</span>{{ pipeline.tasks }}</div><div><span>tags</span>{{ pipeline.tags|join(', ') or '&ndash;'|safe }}</div></div>
<div class="layout">
<section><h2>Runs</h2>
<div class="card runs" data-live="live_runs">{% block live_runs %}
{% for r in runs %}<a href="{{ base }}/pipelines/{{ pipeline.pipeline_id }}/runs/{{ r.run_id }}" class="{{ 'sel' if run and r.run_id == run.run_id }}">
<span class="dot {{ r.state|state }}"></span> {{ r.logical_date|when }} <span class="sub">{{ r.run_type }} · {{ r.duration_s|duration }}</span></a>
{% else %}<p class="empty">Never run: <code>weir trigger {{ pipeline.pipeline_id }}</code></p>{% endfor %}
{% endblock %}</div></section>
<section><div id="run" data-live="live_gantt">{% block live_gantt %}
{% if run %}
<h2>Run {{ run.logical_date|when }} <span class="badge {{ run.state|state }}" id="run-state" data-state="{{ run.state }}">{{ run.state }}</span></h2>
<div class="sub"><code>{{ run.run_id }}</code> · {{ run.run_type }} · interval {{ run.interval_start|when }} → {{ run.interval_end|when }} · started {{ run.started_at|when }} · {{ run.duration_s|duration }}</div>
<div class="gantt" id="gantt">
{% for b in run.gantt.bars %}{% set t = run.tasks[loop.index0] %}
<div class="grow" data-task="{{ b.task_id }}" data-state="{{ b.state }}">
<div class="name"><a href="{{ base }}/pipelines/{{ pipeline.pipeline_id }}/runs/{{ run.run_id }}/tasks/{{ b.task_id }}{% if b.map_index >= 0 %}?map_index={{ b.map_index }}{% endif %}">{{ b.task_id }}{% if b.map_index >= 0 %}[{{ b.map_index }}]{% endif %}</a></div>
<div class="track">{% if b.left is not none %}<div class="bar {{ b.state|state }}" style="left:{{ b.left }}%;width:{{ b.width }}%" title="{{ b.task_id }}: {{ b.state }}, {{ b.duration_s|duration }}, try {{ b.try_number }} of {{ b.max_tries }}"></div>{% endif %}</div>
<div class="sub"><span class="badge {{ b.state|state }}">{{ b.state }}</span> {{ b.duration_s|duration }}{% if b.try_number > 1 %} · try {{ b.try_number }}/{{ b.max_tries }}{% endif %}</div>
</div>
{% if t.error %}<div class="error sub" style="margin-left:230px">{{ t.error }}</div>{% endif %}
{% endfor %}
{% if run.gantt.span_s %}<div class="axis"><div></div><div class="ticks">{% for i in range(5) %}<span>{{ (run.gantt.span_s * i / 4)|duration }}</span>{% endfor %}</div><div></div></div>{% endif %}
</div>
{% else %}<p class="empty">No run to show.</p>{% endif %}
{% endblock %}</div></section>
</div>
{% endblock %}
"""

LOG = r"""{% extends "base.html" %}
{% block title %}{{ task_id }} log · {{ project }}{% endblock %}
{% block content %}
<h1>{{ task_id }} <span class="sub">in <a href="{{ base }}/pipelines/{{ run.pipeline_id }}/runs/{{ run.run_id }}">{{ run.pipeline_id }} {{ run.logical_date|when }}</a></span></h1>
<div data-live="live_log">{% block live_log %}
{% for t in run.tasks if t.task_id == task_id and (map_index is none or t.map_index == map_index) %}
<div class="kv"><div><span>state</span><span class="badge {{ t.state|state }}">{{ t.state }}</span></div><div><span>tries</span>{{ t.try_number }} of {{ t.max_tries }}</div>
<div><span>started</span>{{ t.started_at|when }}</div><div><span>duration</span>{{ t.duration_s|duration }}</div></div>
{% endfor %}
{% for l in logs %}
<h2>Try {{ l.try_number }}{% if l.map_index >= 0 %} · map index {{ l.map_index }}{% endif %}</h2>
<pre class="log">{{ l.text }}</pre>
{% else %}<p class="empty">No log stored for this task yet.</p>{% endfor %}
{% endblock %}</div>
{% endblock %}
"""

MODEL = r"""{% extends "base.html" %}
{% block title %}{{ m.name }} · {{ project }}{% endblock %}
{% block style %}
svg.spark .spark-line { fill:none; stroke:#2563eb; stroke-width:1.4; } svg.spark .spark-pt { fill:#2563eb; }
svg.spark .spark-last { fill:#111827; } svg.spark .spark-anomaly { fill:#dc2626; } svg.spark .spark-empty { font-size:10px; fill:#9ca3af; }
{% endblock %}
{% block content %}
<h1>{{ m.name }} <span class="sub">{{ m.resource_type }} · {{ m.materialized }}</span></h1>
<div class="sub">{% if m.relation %}<code>{{ m.relation|display }}</code> · {% endif %}{{ m.path or '' }}</div>
{% if m.description %}<p>{{ m.description }}</p>{% endif %}
<div class="kv"><div><span>upstream</span>{% for u in m.upstream %}<a href="{{ base }}/models/{{ u }}">{{ u.split('.')[-1] }}</a>{{ ', ' if not loop.last }}{% else %}&ndash;{% endfor %}</div>
<div><span>downstream</span>{% for u in m.downstream %}<a href="{{ base }}/models/{{ u }}">{{ u.split('.')[-1] }}</a>{{ ', ' if not loop.last }}{% else %}&ndash;{% endfor %}</div>
<div><span>lineage</span><a href="{{ base }}/lineage#{{ m.unique_id }}">graph</a></div></div>
<h2>Columns</h2>
<table id="columns"><tr><th>column</th><th>type</th><th>description</th><th>from</th></tr>
{% for c in m.columns %}<tr><td><code>{{ c.name }}</code></td><td>{{ c.type or '&ndash;'|safe }}</td><td>{{ c.description }}</td>
<td class="sub">{% for r in ((m.column_lineage or {}).get('columns') or {}).get(c.name, []) %}{{ r.node.split('.')[-1] }}.{{ r.column }} ({{ r.kind }}){{ ', ' if not loop.last }}{% endfor %}</td></tr>
{% else %}<tr><td colspan="4" class="empty">No columns known yet: build the project.</td></tr>{% endfor %}
</table>
<h2>Tests and checks <span class="sub">(newest checked run)</span></h2>
<div data-live="live_checks">{% block live_checks %}
{% if m.checks %}
<table id="checks"><tr><th>run</th><th>check</th><th>column</th><th>severity</th><th>status</th><th class="num">failing</th><th>message</th></tr>
{% for c in m.checks %}<tr><td><a href="{{ base }}/runs/{{ c.run_id }}"><code>{{ c.run_id[:12] }}</code></a></td><td>{{ c.check_name }}</td><td>{{ c.column_name or '' }}</td><td>{{ c.severity }}</td>
<td><span class="badge {{ c.status|state }}">{{ c.status }}</span></td><td class="num">{{ c.unexpected_count|number }}</td><td class="sub">{{ c.message or '' }}</td></tr>{% endfor %}
</table>
{% else %}<p class="empty">No check results recorded{% if m.tests %} ({{ m.tests|length }} test(s) defined){% endif %}.</p>{% endif %}
{% endblock %}</div>
<h2>Metric history</h2>
{% if m.metrics %}
<table id="metrics"><tr><th>column</th><th>metric</th><th class="num">latest</th><th>history (last runs)</th></tr>
{% for s in m.metrics %}<tr><td>{{ s.column or '(table)' }}</td><td>{{ s.metric }}</td><td class="num">{{ s.latest_text or (s.latest|number) }}</td><td>{{ s.points|spark(base) }}</td></tr>{% endfor %}
</table>
{% else %}<p class="empty">No metrics recorded yet.</p>{% endif %}
<h2>Table history</h2>
{% if m.history_error %}<p class="error">{{ m.history_error }}</p>{% endif %}
{% set history = m.history %}{% include "history.html" %}
{% set sql = m.compiled_sql or m.raw_code %}
{% if sql %}<h2>{{ 'Compiled SQL' if m.compiled_sql else 'Code' }}</h2><pre id="sql">{{ sql }}</pre>{% endif %}
{% endblock %}
"""

HISTORY = r"""{% if history %}
<table id="history"><tr><th class="num">version</th><th>time (UTC)</th><th>operation</th><th class="num">rows</th><th>run</th><th>node</th><th>written by</th><th>metadata</th></tr>
{% for h in history %}<tr><td class="num">{{ h.version }}</td><td>{{ h.timestamp|when }}</td><td>{{ h.operation }}</td><td class="num">{{ h.rows|number }}</td>
<td>{% if h.run_id %}<a href="{{ base }}/runs/{{ h.run_id }}"><code>{{ h.run_id }}</code></a>{% endif %}</td>
<td>{% if h.node %}<a href="{{ base }}/models/{{ h.node }}">{{ h.node.split('.')[-1] }}</a>{% endif %}</td><td>{{ h.written_by }}</td>
<td class="sub">{% for k, v in h.metadata.items() %}{{ k }}={{ v }}{{ '; ' if not loop.last }}{% endfor %}</td></tr>{% endfor %}
</table>
{% else %}<p class="empty">No table history (a view, or not built yet).</p>{% endif %}
"""

TABLES = r"""{% extends "base.html" %}
{% block title %}Tables · {{ project }}{% endblock %}
{% block content %}
<h1>Tables</h1>
<div class="sub">Every table weir committed, newest version first recorded in the run ledger.</div>
<div data-live="live_tables">{% block live_tables %}
{% if tables %}
<table id="tables"><tr><th>table</th><th>node</th><th>format</th><th class="num">version</th><th>last operation</th><th>last run</th><th>written</th><th class="num">writes</th></tr>
{% for t in tables %}<tr><td><a href="{{ base }}/tables/{{ t.relation|display }}">{{ t.relation|display }}</a></td>
<td><a href="{{ base }}/models/{{ t.unique_id }}">{{ t.unique_id.split('.')[-1] }}</a></td><td>{{ t.format }}</td><td class="num">{{ t.version|number }}</td><td>{{ t.operation }}</td>
<td><a href="{{ base }}/runs/{{ t.run_id }}"><code>{{ t.run_id }}</code></a></td><td>{{ t.written_at|when }}</td><td class="num">{{ t.writes }}</td></tr>{% endfor %}
</table>
{% else %}<p class="empty">No table written yet: <code>weir build</code>.</p>{% endif %}
{% endblock %}</div>
{% endblock %}
"""

TABLE = r"""{% extends "base.html" %}
{% block title %}{{ name }} · {{ project }}{% endblock %}
{% block content %}
<h1>{{ name }} <span class="sub">{{ table.format }} · node <a href="{{ base }}/models/{{ table.unique_id }}">{{ table.unique_id }}</a></span></h1>
<h2>History</h2>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<div data-live="live_history">{% block live_history %}{% include "history.html" %}{% endblock %}</div>
{% endblock %}
"""

MESSAGE = r"""{% extends "base.html" %}
{% block content %}<h1>{{ title }}</h1><p class="{{ 'error' if error else 'sub' }}">{{ message }}</p>{% endblock %}
"""

PAGES = {"home.html": HOME, "run.html": RUN, "pipelines.html": PIPELINES, "pipeline.html": PIPELINE,
         "log.html": LOG, "model.html": MODEL, "history.html": HISTORY, "tables.html": TABLES,
         "table.html": TABLE, "lineage.html": LINEAGE, "message.html": MESSAGE}

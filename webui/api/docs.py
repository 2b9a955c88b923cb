"""`/api/docs`: the OpenAPI document shown to a person (server-rendered, no script)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

from webui.api import openapi

bp = Blueprint("api_docs", __name__)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Safeloop API</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:64rem;margin:1rem auto;padding:0 1rem;line-height:1.45}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
section{border-top:1px solid #ddd;padding:.5rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}
table{border-collapse:collapse;margin:.25rem 0}td,th{border:1px solid #ddd;padding:.15rem .5rem;text-align:left;vertical-align:top}
small{color:#555}
</style></head><body>
<h1>{{ doc.info.title }} <small>v{{ doc.info.version }}</small></h1>
<p>{{ doc.info.description }}</p>
<p>机器可读 Machine-readable: <a href="{{ url_for('api_v1.openapi_document') }}"><code>/api/v1/openapi.json</code></a>.
令牌 Token: <code>POST /api/v1/auth/token</code>, then <code>Authorization: Bearer &lt;token&gt;</code>.</p>
{% for path, ops in doc.paths.items() %}{% for method, op in ops.items() %}
<section id="{{ op.operationId }}">
<div><span class="m">{{ method|upper }}</span><code>{{ path }}</code>{% if op.security == [] %} <small>(no token)</small>{% endif %}</div>
<p>{{ op.summary }}</p>
{% if op.parameters %}<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>
{% for p in op.parameters %}<tr><td><code>{{ p.name }}</code></td><td>{{ p['in'] }}</td><td>{{ p.schema.type }}</td><td>{{ p.description or '' }}</td></tr>{% endfor %}
</table>{% endif %}
{% if op.requestBody %}<details><summary>body</summary>{% for ctype, c in op.requestBody.content.items() %}
<div><code>{{ ctype }}</code></div><pre>{{ c.schema|tojson(indent=2) }}</pre>{% endfor %}</details>{% endif %}
<table>{% for code, r in op.responses.items() %}<tr><td>{{ code }}</td><td>{{ r.description }}</td></tr>{% endfor %}</table>
</section>{% endfor %}{% endfor %}
</body></html>"""


@bp.get("/api/docs")
def api_docs() -> str:
    """The API reference for people."""
    return render_template_string(PAGE, doc=openapi.build(current_app))

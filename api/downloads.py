"""The ``/downloads/`` index page: the releases ``kg release publish`` wrote, with their files."""

from __future__ import annotations

from html import escape
from pathlib import Path

from kg.downloads import releases

DOWNLOADS = "/downloads/"


def index_page(folder: Path) -> str:
    """HTML listing every published release (newest first) and each file's rows, size and SHA-256."""
    found = releases(folder)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>kg downloads</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
        "td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}"
        "code{font-size:12px}</style></head><body>",
        "<h1>kg downloads</h1>",
        "<p>The graph's nodes and associations and the served predictions, one folder per graph release and"
        " model version, in Parquet and gzipped TSV. Each folder's <code>README.md</code> documents every"
        " column; <code>manifest.json</code> gives checksums, source versions and licences.</p>",
    ]
    if not found:
        parts.append("<p>Nothing published yet: run <code>kg release publish</code>.</p>")
    for manifest in found:
        name = escape(manifest["name"])
        model = (manifest.get("model") or {}).get("model_version", "none")
        parts.append(
            f"<h2 id='{name}'>{name}</h2><p>published {escape(manifest['created_at'])}; model {escape(model)};"
            f" <a href='{name}/README.md'>README.md</a> · <a href='{name}/manifest.json'>manifest.json</a></p>"
        )
        parts.append("<table><tr><th>file</th><th>rows</th><th>MB</th><th>SHA-256</th></tr>")
        for f in manifest["files"]:
            path = escape(f["path"])
            parts.append(
                f"<tr><td><a href='{name}/{path}'>{path}</a></td><td class='n'>{f['rows']:,}</td>"
                f"<td class='n'>{f['bytes'] / 1e6:.2f}</td><td><code>{escape(f['sha256'])}</code></td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)

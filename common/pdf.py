"""PDF rendering with WeasyPrint, shared by the 申报表 and the certificates.

Nothing outside our own static files is ever fetched: the url_fetcher below refuses every other URL
(file:, http(s):, anything a user-typed value could smuggle into the HTML), and serves data: URIs we build.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

STATIC_PREFIX = "zc-static:"


class FetchRefused(ValueError):
    pass


def url_fetcher(url: str, timeout: int = 10, ssl_context=None):
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url)
    if url.startswith(STATIC_PREFIX):
        rel = url[len(STATIC_PREFIX):].lstrip("/")
        if ".." in Path(rel).parts:
            raise FetchRefused(url)
        path = finders.find(rel)
        if not path:
            raise FetchRefused(url)
        return {"file_obj": open(path, "rb"), "filename": Path(path).name}  # noqa: SIM115 — WeasyPrint closes it
    raise FetchRefused(f"refused to fetch {url[:80]}")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {**context, "STATIC": STATIC_PREFIX})
    return HTML(string=html, url_fetcher=url_fetcher, base_url=str(settings.BASE_DIR)).write_pdf()

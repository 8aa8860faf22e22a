"""PDF rendering with WeasyPrint, shared by the 申报表 and the certificates.

Nothing outside our own static files is ever fetched: the fetcher below refuses every other URL (file:,
http(s):, anything a user-typed value could smuggle into the HTML) and serves only data: URIs we build and
`zc-static:` paths found by Django's static finders.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_PREFIX = "zc-static:"


class FetchRefused(ValueError):
    pass


class SafeURLFetcher(URLFetcher):
    """Deny-all fetcher: data: URIs and our static files only. Refusals make WeasyPrint skip the resource."""

    def __init__(self):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_PREFIX):
            rel = url[len(STATIC_PREFIX):].lstrip("/")
            if ".." in Path(rel).parts:
                raise FetchRefused(url[:80])
            path = finders.find(rel)
            if not path:
                raise FetchRefused(url[:80])
            ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": ctype})
        raise FetchRefused(f"refused to fetch {url[:80]}")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, {**context, "STATIC": STATIC_PREFIX})
    return HTML(string=html, url_fetcher=SafeURLFetcher(), base_url=str(settings.BASE_DIR)).write_pdf()

"""PDF rendering with WeasyPrint, shared by the 申报表 and the certificates.

Nothing outside our own static files is ever fetched: the fetcher below refuses every other URL (file:,
http(s):, anything a user-typed value could smuggle into the HTML) and serves only data: URIs we build and
`zc-static:` paths found by Django's static finders.

Speed (see `make bench`): a document whose stylesheet is a template of its own (`css_template=`) gets it parsed
once, with the `FontConfiguration` its @font-face rules load into, and reuses both on every later
render (per process): no CSS parsing, no 1.3 MB font fetch and no cold Pango font map per render. It may also bring its own
user-agent stylesheet (`ua_css_template=`): WeasyPrint's stock HTML5 one is ~250 rules (forms, lists, [dir],
16 page-margin boxes...) matched against every element of every render.
"""

from __future__ import annotations

import gc
import mimetypes
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
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
            rel = url[len(STATIC_PREFIX) :].lstrip("/")
            if ".." in Path(rel).parts:
                raise FetchRefused(url[:80])
            path = finders.find(rel)
            if not path:
                raise FetchRefused(url[:80])
            ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": ctype})
        raise FetchRefused(f"refused to fetch {url[:80]}")


# Stylesheets parsed once per process, each with the FontConfiguration its @font-face fonts live in. Pango's font
# caches stay warm between renders; a font map is not to be used by two threads at once, hence the lock: one such
# render at a time per process (they are CPU-bound under the GIL anyway).
_sheets: dict[tuple[str, str | None], tuple[CSS, CSS | None, FontConfiguration]] = {}
_sheets_lock = threading.Lock()


def _stylesheet(css_template: str, ua_css_template: str | None = None):
    """(CSS, user-agent CSS or None, FontConfiguration) for stylesheet templates; call with _sheets_lock held."""
    key = (css_template, ua_css_template)
    if key not in _sheets:

        def parse(name, font_config=None):
            return CSS(
                string=render_to_string(name, {"STATIC": STATIC_PREFIX}),
                base_url=str(settings.BASE_DIR),
                url_fetcher=SafeURLFetcher(),
                font_config=font_config,
            )

        font_config = FontConfiguration()
        _sheets[key] = (parse(css_template, font_config), ua_css_template and parse(ua_css_template), font_config)
    return _sheets[key]


class _HTML(HTML):
    """An HTML document whose user-agent stylesheet may be replaced (`ua_stylesheet`)."""

    ua_stylesheet = None

    def _ua_stylesheets(self, forms=False):
        if self.ua_stylesheet is not None and not forms:
            return [self.ua_stylesheet]
        return super()._ua_stylesheets(forms)


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused():
    """The cyclic garbage collector is held off while a document renders, and restored after.

    A render builds hundreds of thousands of short-lived objects (styles, boxes, line boxes) that stay alive until
    it ends: the collector promotes them and then runs a full collection over the whole process heap (Django and
    all) once or twice per render, ~150 ms each on a full dossier. They are freed by reference counting when the
    render ends; the few cycles go in the next young-generation collection. Nested and concurrent renders share
    one pause; the collector is re-enabled only by the last one out, and only if it was enabled before.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def render_pdf(
    template: str,
    context: dict,
    *,
    css_template: str | None = None,
    ua_css_template: str | None = None,
    **options,
) -> bytes:
    """Render `template` to PDF bytes.

    css_template: a template holding the document's whole stylesheet (no <style> in `template` then), parsed once
    per process and reused with its fonts. ua_css_template: with css_template, a template replacing WeasyPrint's
    user-agent stylesheet; it must style every element `template` uses (display, bold <th>, <br>, ...).
    options: WeasyPrint rendering options (`presentational_hints`, `uncompressed_pdf`, ...).
    """
    html = render_to_string(template, {**context, "STATIC": STATIC_PREFIX})
    with _gc_paused():
        if css_template is None:
            doc = HTML(string=html, url_fetcher=SafeURLFetcher(), base_url=str(settings.BASE_DIR))
            return doc.write_pdf(**options)
        doc = _HTML(string=html, url_fetcher=SafeURLFetcher(), base_url=str(settings.BASE_DIR))
        with _sheets_lock:
            css, doc.ua_stylesheet, font_config = _stylesheet(css_template, ua_css_template)
            return doc.write_pdf(stylesheets=[css], font_config=font_config, **options)

"""Service-aware test markers.

Tests marked `postgres`, `redis`, `worker` or `browser` need a real service. Where it is absent they skip
with the reason printed. Under CI (CI=true, set by .ci/run) nothing may skip: a missing service fails the
test instead — except `postgres` tests in the SQLite pass of `make test`, which are deselected there and
run in the PostgreSQL pass.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

# Playwright runs an event loop in the test thread; Django's ORM is used synchronously beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
STRICT = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _db_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))


def _redis_up() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    u = urlparse(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _missing(marker: str) -> str | None:
    if marker == "postgres" and not _db_is_postgres():
        return "needs PostgreSQL: set DATABASE_URL=postgres://… (runs in the PostgreSQL pass of .ci/run)"
    if marker in ("redis", "worker") and not _redis_up():
        return "needs a reachable Redis: set REDIS_URL=redis://127.0.0.1:6379/… (runs in .ci/run)"
    if marker == "browser" and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return "needs Debian's chromium at /usr/bin/chromium (make test installs it when run as root)"
    return None


def pytest_collection_modifyitems(config, items):
    deselected, kept = [], []
    for item in items:
        reason = None
        for marker in ("postgres", "redis", "worker", "browser"):
            if item.get_closest_marker(marker):
                reason = reason or _missing(marker)
        if reason is None:
            kept.append(item)
            continue
        if STRICT and item.get_closest_marker("postgres") and not _db_is_postgres():
            deselected.append(item)
            continue
        if STRICT:
            item.add_marker(pytest.mark.xfail(reason=f"CI requires this service: {reason}", run=False, strict=True))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
        print(f"\n{len(deselected)} PostgreSQL-only tests deselected in this SQLite pass; they run in the PostgreSQL pass.")


def pytest_sessionfinish(session, exitstatus):
    if not STRICT:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    bad = len(reporter.stats.get("skipped", [])) + len(reporter.stats.get("xfailed", []))
    if bad:
        reporter.write_line(f"CI: {bad} test(s) skipped or not run for a missing service — failing the run.", red=True)
        session.exitstatus = 1

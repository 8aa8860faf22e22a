"""Playwright set-up for the browser tests: Debian's chromium, a 1366×768 window, Chinese locale.

No browser is ever downloaded (`playwright install` is not used); tests marked `browser` are skipped by
the root conftest.py when /usr/bin/chromium is absent (and fail under CI=true).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
    return page


@pytest.fixture
def system_roles(transactional_db) -> None:
    """The system roles (accounts.roles.SYSTEM_ROLES), as the data migration makes them.

    A transactional test (needed by live_server) ends with a flush that empties every table; the roles are
    recreated on post_migrate (accounts.signals.system_roles_sync), and this fixture makes sure of it. serialized_rollback=True cannot be relied on here: once Playwright's event loop runs in
    the test thread, asgiref hands the test a new DatabaseWrapper without `_test_serialized_contents`, and Django
    then silently skips the restore in every later test.
    """
    from django.contrib.auth.models import Permission

    from accounts.models import Role
    from accounts.roles import SYSTEM_ROLES

    perms = {
        p.codename: p for p in Permission.objects.filter(content_type__app_label="orgs", content_type__model="org")
    }
    for rd in SYSTEM_ROLES:
        role, _ = Role.objects.update_or_create(
            code=rd.code, defaults={"name": rd.name, "seq": rd.seq, "category": rd.category, "is_system": True}
        )
        role.permissions.set([perms[c] for c in rd.permissions])


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored)."""
    path = Path(settings.BASE_DIR) / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path

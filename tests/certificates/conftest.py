"""Certificate tests (issue 6) run on the review-chain world of tests/workflow/conftest.py (built once per module,
rolled back), plus the province's issuing-unit code. `approved_declaration` pushes a dossier through every step
of its route with the real services, so what earns a certificate here is exactly what earns one in production."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from certificates.models import IssuingUnit
from declarations.models import Declaration
from tests.factories import module_world
from tests.workflow.conftest import ROOT, World, build_world
from tests.workflow.conftest import media as media  # noqa: F401 — each test gets an empty storage
from tests.workflow.helpers import new_applicant, submitted
from workflow.demo import _current, step_decide

ROOT_CODE = "5100"
CITY_HR = "眉山市人力资源和社会保障局"


def _build() -> World:
    w = build_world()
    IssuingUnit.objects.create(code=ROOT_CODE, org=w.orgs[ROOT])
    return w


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    with module_world(django_db_blocker, _build) as w:
        yield w


@pytest.fixture
def world(_module_world, db) -> World:
    return _module_world


@pytest.fixture(scope="session", autouse=True)
def signing_keys(django_db_blocker):
    """The demo CA and signing keys in settings.CERT_SIGNING_DIR (generated once, never committed)."""
    with django_db_blocker.unblock():
        call_command("signing_setup", verbosity=0)


def operator_for(world: World) -> dict[int, object]:
    return {org.pk: world.ops[name] for name, org in world.orgs.items()}


_NAMES = iter(f"{s}{g}" for g in ("明", "华", "强", "静", "磊", "芳", "军", "敏", "洋", "艳", "勇", "娟")
               for s in ("赵", "钱", "孙", "李", "周", "吴", "郑", "冯", "陈", "褚", "卫", "蒋", "沈", "韩"))


def approved_declaration(world: World, unit=None, **kw) -> Declaration:
    """A dossier of `unit` (default: the county private enterprise) approved at every step of its route; the
    province (root) is its final org for the engineering committee. Each applicant has a name of their own."""
    unit = unit or world.orgs["东坡区私营企业"]
    kw.setdefault("applicant", new_applicant(next(_NAMES)))
    _applicant, _client, d = submitted(world, unit, **kw)
    ops = operator_for(world)
    for _ in range(len(_current(d)[0].route)):
        step_decide(d=d, operator_for=ops)
    d.refresh_from_db()
    assert d.status == Declaration.Status.APPROVED, d.status
    return d


@pytest.fixture
def oncommit(django_capture_on_commit_callbacks):
    """Tests run inside a transaction that never commits: this runs the on-commit work (enqueueing the PDF jobs,
    eager without Redis) at the end of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)

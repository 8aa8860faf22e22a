"""Test data built through the same services the pages use."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import contextmanager

from django.db import transaction

from accounts import services
from accounts.models import Role, RoleAssignment, User
from common.checksums import make_id_number, make_uscc
from orgs.kinds import KIND_LEVEL, REGION_LEVEL_FOR, OrgKind
from orgs.models import Org, Region

PASSWORD = "Test@2026pass"
_seq = itertools.count(1)


def next_id_number() -> str:
    n = next(_seq)
    return make_id_number("510104", dt.date(1980, 1, 1) + dt.timedelta(days=n), f"{n % 1000:03d}")


def next_uscc(region_code: str = "510000") -> str:
    n = next(_seq)
    return make_uscc("1", "1", region_code, f"{n:08d}")


def regions() -> dict[str, Region]:
    """四川省 → 眉山市 → 东坡区, 成都市 → 新都区 (enough for every kind)."""
    prov = Region.objects.filter(code="510000").first() or Region.objects.add_root(
        create_kwargs={"code": "510000", "name": "四川省", "level": "province"}
    )

    def child(parent, code, name, level):
        return Region.objects.filter(code=code).first() or Region.objects.add_child(
            parent, create_kwargs={"code": code, "name": name, "level": level}
        )

    ms = child(prov, "511400", "眉山市", "city")
    dp = child(ms, "511402", "东坡区", "county")
    cd = child(prov, "510100", "成都市", "city")
    xd = child(cd, "510114", "新都区", "county")
    return {"province": prov, "city": ms, "county": dp, "city2": cd, "county2": xd}


def region_for(kind: str, *, second: bool = False) -> Region:
    r = regions()
    level = REGION_LEVEL_FOR[KIND_LEVEL[kind]]
    if second and level != "province":
        level += "2"
    return r[level]


def make_user(
    *,
    org: Org | None,
    name: str = "测试用户",
    roles: tuple[str, ...] = (),
    admin: bool = False,
    password: str = PASSWORD,
) -> User:
    idn = next_id_number()
    u = User(username=idn, id_number=idn, name=name, org=org, is_unit_admin=admin, must_change_password=False)
    u.set_password(password)
    u.save()
    for code in roles:
        RoleAssignment.objects.create(user=u, role=Role.objects.get(code=code), org=org)
    if org is not None:
        services.org_permissions_sync(user=u, org=org)
    return u


def province_root() -> tuple[Org, User]:
    """四川省人力资源和社会保障厅 with its operator (unit admin, role hr_province)."""
    org = Org.objects.filter(kind=OrgKind.HR_PROVINCE, depth=1).first()
    if org is None:
        prov = regions()["province"]
        org = Org.objects.add_root(
            instance=Org(
                name="四川省人力资源和社会保障厅",
                kind=OrgKind.HR_PROVINCE,
                region=prov,
                locality=prov,
                uscc=next_uscc(),
            )
        )
    op = User.objects.filter(org=org, is_unit_admin=True).first() or make_user(
        org=org, name="省厅经办", roles=("hr_province",), admin=True
    )
    return org, op


def create_unit(*, actor: User, parent: Org, kind: str, name: str | None = None, second_region: bool = False):
    """Create a unit with its first operator through the real service; returns (org, operator)."""
    region = region_for(kind, second=second_region)
    result = services.org_create_with_operator(
        actor=actor,
        parent=parent,
        kind=kind,
        name=name or f"{OrgKind(kind).label}{next(_seq)}",
        uscc=next_uscc(region.code),
        region=region,
        locality=region,
        operator_name="经办人",
        operator_id_number=next_id_number(),
    )
    op = result.operator
    op.set_password(PASSWORD)
    op.must_change_password = False
    op.save()
    return result.org, op


@contextmanager
def module_world(django_db_blocker, build):
    """Build a test world once per module inside an outer transaction that is rolled back at the end; each test
    still runs in its own savepoint inside it (pytest-django's `db`). Tests change world rows through querysets."""
    django_db_blocker.unblock()
    outer = transaction.atomic()
    outer.__enter__()
    try:
        world = build()
    except BaseException:
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
        django_db_blocker.restore()
        raise
    django_db_blocker.restore()
    try:
        yield world
    finally:
        django_db_blocker.unblock()
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
        django_db_blocker.restore()

"""Shared helpers for the org-page tests: build valid org chains through the real service and read the HTML."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser

from accounts.models import User
from orgs.kinds import CREATION_RULES, OrgKind
from orgs.models import Org, Region
from tests.factories import create_unit, next_id_number, next_uscc, province_root, region_for


def chain_to(kind: str) -> list[str]:
    """The shortest who-creates-whom chain from 省人社厅 (the only root) down to an org of `kind`."""
    start = OrgKind.HR_PROVINCE.value
    came_from: dict[str, str | None] = {start: None}
    todo = deque([start])
    while todo:
        k = todo.popleft()
        for child in sorted(CREATION_RULES.get(k, ())):
            if child not in came_from:
                came_from[child] = k
                todo.append(child)
    if kind not in came_from:
        raise AssertionError(f"no creator chain reaches {kind}")
    chain = []
    cur: str | None = kind
    while cur is not None:
        chain.append(cur)
        cur = came_from[cur]
    return list(reversed(chain))


def build_org(kind: str) -> tuple[Org, User]:
    """An org of `kind` in a valid tree (built through the real service) and its operator (a unit admin)."""
    org, op = province_root()
    for k in chain_to(kind)[1:]:
        org, op = create_unit(actor=op, parent=org, kind=k)
    return org, op


def in_region(region: Region, scope: Region) -> bool:
    return region.path.startswith(scope.path)


def create_form_data(
    *,
    kind: str,
    region: Region,
    name: str = "测试单位",
    uscc: str | None = None,
    operator_id_number: str | None = None,
    **extra,
) -> dict[str, str]:
    data = {
        "kind": kind,
        "name": name,
        "uscc": uscc or next_uscc(region.code),
        "region": str(region.pk),
        "locality": str(region.pk),
        "hr_department": "",
        "contact_person": "张三",
        "contact_phone": "028-12345678",
        "email": "unit@example.com",
        "address": "四川省眉山市东坡区",
        "operator_name": "李经办",
        "operator_id_number": operator_id_number or next_id_number(),
        "operator_mobile": "13800000000",
    }
    data.update(extra)
    return data


def target_region(kind: str, creator: Org) -> Region:
    """The region of the right level for `kind` if one lies inside the creator's region, else the creator's own."""
    want = region_for(kind)
    return want if in_region(want, creator.region) else creator.region


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.selects: dict[str, list[tuple[str, str, bool]]] = {}
        self.inputs: dict[str, str] = {}
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select":
            self._select = a.get("name")
            self.selects.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value") or "", "selected" in a)
            self._text = []
        elif tag == "input" and a.get("name"):
            self.inputs[a["name"]] = a.get("value") or ""

    def handle_data(self, data):
        if self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            self.selects[self._select].append((value, "".join(self._text).strip(), selected))
            self._option = None
        elif tag == "select":
            self._select = None


def parse_form(html: str) -> _FormParser:
    p = _FormParser()
    p.feed(html)
    return p


def select_options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of every non-empty option of <select name=...>."""
    return [(v, label) for v, label, _ in parse_form(html).selects.get(name, []) if v]


def input_value(html: str, name: str) -> str | None:
    return parse_form(html).inputs.get(name)

"""Helpers for the titles tests: read selects and messages out of the HTML, snapshot the titles tables."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from titles.models import (
    AchievementTemplate,
    Activity,
    ActivityMaterial,
    BreakCondition,
    Committee,
    CommitteeFee,
    QualificationName,
    Series,
    Specialty,
)


class _SelectParser(HTMLParser):
    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.inside = False
        self.found = False
        self.disabled = False
        self.options: list[tuple[str, str, bool]] = []
        self._opt: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select" and a.get("name") == self.name:
            self.inside, self.found, self.disabled = True, True, "disabled" in a
        elif tag == "option" and self.inside:
            self._opt = {"value": a.get("value", ""), "selected": "selected" in a, "text": ""}

    def handle_data(self, data):
        if self._opt is not None:
            self._opt["text"] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._opt is not None:
            self.options.append((self._opt["value"], self._opt["text"].strip(" \n\t"), self._opt["selected"]))
            self._opt = None
        elif tag == "select" and self.inside:
            self.inside = False


def select(html: str, name: str) -> tuple[list[tuple[str, str]], bool]:
    """(real options [(value, label)] without the empty 请选择, disabled?) of the select `name`."""
    p = _SelectParser(name)
    p.feed(html)
    assert p.found, f"no <select name={name!r}> in the page"
    return [(v, t) for v, t, _ in p.options if v], p.disabled


def labels(html: str, name: str) -> list[str]:
    return [t.strip("　 ") for _, t in select(html, name)[0]]


def selected(html: str, name: str) -> str:
    p = _SelectParser(name)
    p.feed(html)
    return next((v for v, _, s in p.options if s), "")


def text(html: str | bytes) -> str:
    """The visible text of a page, tags stripped, entities decoded, whitespace collapsed."""
    if isinstance(html, bytes):
        html = html.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def titles_state() -> dict[str, list]:
    """Every row of every titles table (ordered), to prove a refused action changed nothing."""
    models = [
        Series,
        Specialty,
        QualificationName,
        Committee,
        CommitteeFee,
        Activity,
        ActivityMaterial,
        AchievementTemplate,
        BreakCondition,
    ]
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    state["qual_specialties"] = list(QualificationName.specialties.through.objects.order_by("pk").values())
    state["committee_specialties"] = list(Committee.specialties.through.objects.order_by("pk").values())
    state["committee_organisers"] = list(Committee.organisers.through.objects.order_by("pk").values())
    return state

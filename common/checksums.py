"""Check-character algorithms of the national standards the system relies on.

* GB 11643-1999 — citizen identity number (公民身份号码), 18 characters, ISO 7064 MOD 11-2.
* GB 32100-2015 — unified social credit code (统一社会信用代码), 18 characters, MOD 31.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

# --- GB 11643 -----------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")  # ASCII digits only: \d would accept any Unicode digit

MSG_ID_FORMAT = "身份证号码应为18位，前17位为数字，最后一位为数字或X。"
MSG_ID_CHECK = "身份证号码校验位不正确，请核对后重新输入。"
MSG_ID_BIRTH = "身份证号码中的出生日期无效。"


def id_number_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Return the normalised ID number or raise ValidationError with a Chinese message."""
    v = normalize_id_number(value)
    if not _ID_RE.match(v):
        raise ValidationError(MSG_ID_FORMAT, code="id_format")
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError as exc:
        raise ValidationError(MSG_ID_BIRTH, code="id_birth") from exc
    today = today or dt.date.today()  # noqa: DTZ011 — a calendar date, no time zone involved
    if birth.year < 1900 or birth > today:
        raise ValidationError(MSG_ID_BIRTH, code="id_birth")
    if id_number_check_char(v[:17]) != v[17]:
        raise ValidationError(MSG_ID_CHECK, code="id_check")
    return v


# --- GB 32100 -----------------------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Position 1: registration authority (登记管理部门代码). GB 32100 allows 1–9, plus
# A (中央军委改革和编制办公室), N (农业) and Y (其他).
USCC_AUTHORITIES = "123456789ANY"
# Position 2: organisation category (机构类别代码) — 1, 2, 3, 9 across authorities (N adds 1–3, 9 as well).
USCC_CATEGORIES = "1239"
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")

MSG_USCC_FORMAT = "统一社会信用代码应为18位数字或大写字母（不含 I、O、S、V、Z）。"
MSG_USCC_AUTHORITY = "统一社会信用代码第1位（登记管理部门代码）无效。"
MSG_USCC_CATEGORY = "统一社会信用代码第2位（机构类别代码）无效。"
MSG_USCC_REGION = "统一社会信用代码第3–8位应为6位行政区划代码。"
MSG_USCC_CHECK = "统一社会信用代码校验位不正确，请核对后重新输入。"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def validate_uscc(value: str) -> str:
    v = normalize_uscc(value)
    if not _USCC_RE.match(v):
        raise ValidationError(MSG_USCC_FORMAT, code="uscc_format")
    if v[0] not in USCC_AUTHORITIES:
        raise ValidationError(MSG_USCC_AUTHORITY, code="uscc_authority")
    if v[1] not in USCC_CATEGORIES:
        raise ValidationError(MSG_USCC_CATEGORY, code="uscc_category")
    if not v[2:8].isdigit():
        raise ValidationError(MSG_USCC_REGION, code="uscc_region")
    if uscc_check_char(v[:17]) != v[17]:
        raise ValidationError(MSG_USCC_CHECK, code="uscc_check")
    return v


def make_uscc(authority: str, category: str, region_code: str, org_code8: str) -> str:
    """Build a valid code from its parts (demo data and tests); org_code8 + its GB 11714 check char."""
    body = org_code8 + _gb11714_check(org_code8)
    first17 = f"{authority}{category}{region_code}{body}"
    return first17 + uscc_check_char(first17)


def _gb11714_check(code8: str) -> str:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(code8, weights, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def make_id_number(region6: str, birth: dt.date, seq3: str) -> str:
    first17 = f"{region6}{birth:%Y%m%d}{seq3}"
    return first17 + id_number_check_char(first17)

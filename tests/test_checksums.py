"""GB 11643-1999 (citizen ID number) and GB 32100-2015 (unified social credit code) check characters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from common.checksums import (
    MSG_ID_BIRTH,
    MSG_ID_CHECK,
    MSG_ID_FORMAT,
    MSG_USCC_AUTHORITY,
    MSG_USCC_CATEGORY,
    MSG_USCC_CHECK,
    MSG_USCC_FORMAT,
    MSG_USCC_REGION,
    USCC_CHARSET,
    id_number_check_char,
    make_id_number,
    make_uscc,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

# --------------------------------------------------------------------------------------------- GB 11643


def _refused(validate, value, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        validate(value, **kwargs)
    return exc.value


def _with_wrong_last_char(code: str, alphabet: str) -> str:
    return code[:-1] + next(c for c in alphabet if c != code[-1])


def test_the_standards_own_id_number_sample_is_valid():
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    assert id_number_check_char("11010519491231002") == "X"


def test_a_lower_case_x_and_surrounding_spaces_are_normalised():
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("region", "birth", "seq"),
    [
        ("510104", dt.date(1980, 1, 1), "001"),
        ("511402", dt.date(2000, 2, 29), "123"),  # a leap day
        ("513401", dt.date(1900, 1, 1), "999"),
        ("510114", dt.date(1975, 12, 31), "010"),
    ],
)
def test_id_numbers_built_with_make_id_number_are_valid(region, birth, seq):
    idn = make_id_number(region, birth, seq)
    assert len(idn) == 18
    assert idn[6:14] == f"{birth:%Y%m%d}"
    assert validate_id_number(idn) == idn


def test_every_check_character_of_the_id_alphabet_occurs_and_validates():
    seen = set()
    for n in range(200):
        idn = make_id_number("510104", dt.date(1980, 1, 1) + dt.timedelta(days=n), f"{n:03d}")
        assert validate_id_number(idn) == idn
        seen.add(idn[-1])
    assert seen == set("0123456789X")


def test_an_id_number_with_a_wrong_check_digit_is_refused():
    err = _refused(validate_id_number, _with_wrong_last_char("11010519491231002X", "0123456789X"))
    assert err.code == "id_check"
    assert err.messages == [MSG_ID_CHECK]
    assert "校验位不正确" in MSG_ID_CHECK


@pytest.mark.parametrize(
    "first17", ["51010419800230001", "51010419811301001", "51010419810100001"], ids=["feb-30", "month-13", "day-0"]
)
def test_an_id_number_with_an_impossible_birth_date_is_refused(first17):
    idn = first17 + id_number_check_char(first17)  # the check digit itself is right
    err = _refused(validate_id_number, idn)
    assert err.code == "id_birth"
    assert err.messages == [MSG_ID_BIRTH]


def test_an_id_number_born_in_the_future_is_refused():
    tomorrow = make_id_number("510104", dt.date(2026, 3, 2), "001")
    err = _refused(validate_id_number, tomorrow, today=dt.date(2026, 3, 1))
    assert err.code == "id_birth" and err.messages == [MSG_ID_BIRTH]
    assert validate_id_number(tomorrow, today=dt.date(2026, 3, 2)) == tomorrow  # born today is fine
    far_future = make_id_number("510104", dt.date(2999, 1, 1), "001")
    assert _refused(validate_id_number, far_future).code == "id_birth"


def test_an_id_number_born_before_1900_is_refused():
    assert _refused(validate_id_number, make_id_number("510104", dt.date(1899, 12, 31), "001")).code == "id_birth"


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002",
        "11010519491231002X1",
        "1101051949123100AX",
        "A1010519491231002X",
        "01010519491231002X",
        "110105 9491231002X",
        "11010519491231002Y",
        "",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
    ids=[
        "17-digits",
        "19-chars",
        "letter-inside",
        "letter-first",
        "leading-zero",
        "space-inside",
        "check-Y",
        "empty",
        "full-width",
    ],
)
def test_an_id_number_of_the_wrong_shape_is_refused(value):
    err = _refused(validate_id_number, value)
    assert err.code == "id_format"
    assert err.messages == [MSG_ID_FORMAT]


@pytest.mark.parametrize("digit", ["\uff11", "\u0661"], ids=["full-width-1", "arabic-indic-1"])
def test_an_id_number_with_non_ascii_digits_is_refused(digit):
    idn = "11010519491231002X"
    lookalike = idn[0] + digit + idn[2:]  # the same person's number with one look-alike digit
    err = _refused(validate_id_number, lookalike)
    assert err.code == "id_format"


# --------------------------------------------------------------------------------------------- GB 32100
def test_the_standards_own_uscc_sample_is_valid():
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_a_lower_case_uscc_and_surrounding_spaces_are_normalised():
    assert validate_uscc(" 91350100m000100y43\n") == "91350100M000100Y43"


@pytest.mark.parametrize("authority", ["1", "5", "9", "A", "N", "Y"])
@pytest.mark.parametrize("category", ["1", "2", "3", "9"])
def test_codes_built_with_make_uscc_are_valid_for_every_authority(authority, category):
    code = make_uscc(authority, category, "511402", "12345678")
    assert len(code) == 18 and code[0] == authority and code[1] == category and code[2:8] == "511402"
    assert validate_uscc(code) == code


def test_every_uscc_check_character_occurs_and_validates():
    seen = set()
    for n in range(600):
        code = make_uscc("9", "1", "510100", f"{n:08d}")
        assert validate_uscc(code) == code
        seen.add(code[-1])
    assert seen == set(USCC_CHARSET)


def test_a_uscc_with_a_wrong_check_char_is_refused():
    for good in ("91350100M000100Y43", make_uscc("1", "1", "510000", "00000001")):
        err = _refused(validate_uscc, _with_wrong_last_char(good, USCC_CHARSET))
        assert err.code == "uscc_check"
        assert err.messages == [MSG_USCC_CHECK]


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
@pytest.mark.parametrize("position", [8, 17], ids=["in-the-body", "as-check-char"])
def test_a_uscc_with_a_letter_the_standard_forbids_is_refused(letter, position):
    good = "91350100M000100Y43"
    err = _refused(validate_uscc, good[:position] + letter + good[position + 1 :])
    assert err.code == "uscc_format"
    assert err.messages == [MSG_USCC_FORMAT]
    assert "不含 I、O、S、V、Z" in MSG_USCC_FORMAT


@pytest.mark.parametrize("first", ["B", "0", "X"])
def test_a_uscc_with_an_unknown_registration_authority_is_refused(first):
    first17 = f"{first}1510000123456788"
    err = _refused(validate_uscc, first17 + uscc_check_char(first17))  # the check char itself is right
    assert err.code == "uscc_authority"
    assert err.messages == [MSG_USCC_AUTHORITY]


def test_a_uscc_with_an_unknown_organisation_category_is_refused():
    first17 = "94510000123456788"
    err = _refused(validate_uscc, first17 + uscc_check_char(first17))
    assert err.code == "uscc_category" and err.messages == [MSG_USCC_CATEGORY]


def test_a_uscc_whose_region_part_is_not_six_digits_is_refused():
    first17 = "9135A100M000100Y4"
    err = _refused(validate_uscc, first17 + uscc_check_char(first17))
    assert err.code == "uscc_region" and err.messages == [MSG_USCC_REGION]


@pytest.mark.parametrize(
    "value",
    ["91350100M000100Y4", "91350100M000100Y433", "", "91350100M000100Y4-", "91350100M000100Y4 3"],
    ids=["17-chars", "19-chars", "empty", "punctuation", "space-inside"],
)
def test_a_uscc_of_the_wrong_shape_is_refused(value):
    err = _refused(validate_uscc, value)
    assert err.code == "uscc_format"
    assert err.messages == [MSG_USCC_FORMAT]

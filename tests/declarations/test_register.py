"""ACC-4: applicant self-registration (002 §1.2.3, 004 §1.1) and the commitment letter accepted before the first
declaration (004 §1.2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.validators import FiveRulesPasswordValidator
from common.checksums import MSG_ID_CHECK, id_number_check_char, make_id_number
from declarations import services
from declarations.models import CommitmentAcceptance, Declaration

from .conftest import client_for, new_applicant
from .helpers import text

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Shui@2026li"


def applicant_accounts():
    """Accounts without an org: self-registered applicants (the operators of `world` all have one)."""
    return User.objects.filter(org=None)


def id_ending_in_x() -> str:
    for seq in range(1000):
        first17 = f"51010419850315{seq:03d}"
        if id_number_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no sequence number gives the check character X")


def id_with_wrong_check(idn: str) -> str:
    wrong = next(c for c in "0123456789X" if c != idn[17])
    return idn[:17] + wrong


def form(**overrides) -> dict:
    data = {
        "id_number": make_id_number("510104", dt.date(1986, 4, 5), "123"),
        "name": "李申报",
        "mobile": "13800138000",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def register(**overrides):
    return Client().post(reverse("register"), form(**overrides))


# --------------------------------------------------------------------------------------------- registering
def test_an_applicant_registers_with_a_valid_resident_id_and_can_then_log_in():
    resp = register()
    assert resp.status_code == 302 and resp["Location"] == reverse("login")
    user = User.objects.get(id_number=form()["id_number"])
    assert (user.username, user.name, user.mobile) == (form()["id_number"], "李申报", "13800138000")
    assert user.must_change_password is False  # their own password: no forced change at first login

    login = Client().post(reverse("login"), {"username": form()["id_number"], "password": GOOD_PASSWORD})
    assert login.status_code == 302 and login["Location"] == reverse("home")


def test_a_lower_case_x_check_character_is_accepted_and_stored_upper_case():
    idn = id_ending_in_x()
    resp = register(id_number=idn.lower())
    assert resp.status_code == 302
    user = applicant_accounts().get()
    assert user.id_number == idn and user.username == idn
    # …and the applicant logs in typing the lower-case x too
    login = Client().post(reverse("login"), {"username": idn.lower(), "password": GOOD_PASSWORD})
    assert login.status_code == 302 and login["Location"] == reverse("home")


def test_a_wrong_check_character_is_refused_with_a_chinese_message_and_no_account():
    resp = register(id_number=id_with_wrong_check(form()["id_number"]))
    assert resp.status_code == 400
    assert MSG_ID_CHECK in text(resp.content)
    assert not applicant_accounts().exists()


@pytest.mark.parametrize(
    "bad", ["51010419860405123", "5101041986040512345", "51010419861340123X", "abcdefghijklmnopqr"]
)
def test_malformed_resident_ids_are_refused(bad):
    resp = register(id_number=bad)
    assert resp.status_code == 400
    assert "身份证号码" in text(resp.content)
    assert not applicant_accounts().exists()


def test_one_account_per_resident_id_even_typed_with_a_lower_case_x():
    idn = id_ending_in_x()
    assert register(id_number=idn).status_code == 302
    again = register(id_number=idn.lower(), name="冒用者", mobile="13900139000")
    assert again.status_code == 400
    assert "该身份证号码已注册" in text(again.content)
    assert applicant_accounts().count() == 1 and applicant_accounts().get().name == "李申报"


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Ab1@xyz", "长度不少于8位"),
        ("abcd@2026x", "包含大写字母"),
        ("ABCD@2026X", "包含小写字母"),
        ("Abcd@efghX", "包含数字"),
        ("Abcd2026xy", "包含特殊符号"),
    ],
)
def test_each_of_the_five_password_rules_is_enforced_with_a_chinese_message(password, missing):
    resp = register(password1=password, password2=password)
    assert resp.status_code == 400
    page = text(resp.content)
    assert "密码不符合规则" in page and missing in page
    assert not applicant_accounts().exists()


def test_the_two_passwords_must_match():
    resp = register(password2=GOOD_PASSWORD + "x")
    assert resp.status_code == 400
    assert "两次输入的密码不一致。" in text(resp.content)
    assert not applicant_accounts().exists()


def test_a_mobile_number_must_have_eleven_digits():
    resp = register(mobile="1380013")
    assert resp.status_code == 400
    assert "请输入11位手机号码。" in text(resp.content)
    assert not applicant_accounts().exists()


def test_a_refused_form_keeps_the_typed_values_but_never_echoes_the_password():
    resp = register(password1="short", password2="short", name="王<b>某</b>", mobile="13512345678")
    html = resp.content.decode()
    assert resp.status_code == 400
    assert f'value="{form()["id_number"]}"' in html
    assert 'value="王&lt;b&gt;某&lt;/b&gt;"' in html  # kept, and escaped
    assert 'value="13512345678"' in html
    assert 'value="short"' not in html


def test_every_field_is_required_with_chinese_messages():
    resp = Client().post(reverse("register"), {})
    assert resp.status_code == 400
    assert text(resp.content).count("这个字段是必填项。") == 5


def test_a_logged_in_user_is_sent_home_from_the_register_page(world):
    user = new_applicant()
    resp = client_for(user).get(reverse("register"))
    assert resp.status_code == 302 and resp["Location"] == reverse("home")


def test_the_password_rules_validator_is_the_one_registration_uses():
    # The five rules of 000 §2.1.3 in one validator (shared with password changes, ACC-3).
    with pytest.raises(Exception, match="密码不符合规则"):
        FiveRulesPasswordValidator().validate("password")


# --------------------------------------------------------------------------------------------- commitment letter
def test_the_commitment_letter_comes_before_the_first_declaration(world):
    user = new_applicant(commitment=False)
    c = client_for(user)
    resp = c.get(reverse("declarations:start"))
    assert resp.status_code == 302 and resp["Location"] == reverse("declarations:commitment")
    # A forged start POST is sent to the letter as well, and creates nothing.
    resp = c.post(reverse("declarations:start"), world.start_data())
    assert resp.status_code == 302 and resp["Location"] == reverse("declarations:commitment")
    assert not Declaration.objects.exists()
    page = c.get(reverse("declarations:mine"))
    assert "首次申报前需阅读并同意申报承诺书" in text(page.content)


def test_the_letter_must_be_ticked_to_be_accepted(world):
    user = new_applicant(commitment=False)
    c = client_for(user)
    resp = c.post(reverse("declarations:commitment"), {}, follow=True)
    assert "请勾选“我已阅读并同意”后再继续。" in text(resp.content)
    assert not CommitmentAcceptance.objects.exists()


def test_accepting_the_letter_records_the_time_the_version_and_the_address(world):
    user = new_applicant(commitment=False)
    c = client_for(user)
    page = c.get(reverse("declarations:commitment"))
    assert "职称申报承诺书" in text(page.content) and services.COMMITMENT_VERSION in text(page.content)
    before = timezone.now()
    resp = c.post(reverse("declarations:commitment"), {"agree": "1"}, REMOTE_ADDR="10.1.2.3")
    assert resp.status_code == 302 and resp["Location"] == reverse("declarations:start")
    acc = CommitmentAcceptance.objects.get(user=user)
    assert acc.version == services.COMMITMENT_VERSION
    assert before <= acc.accepted_at <= timezone.now()
    assert acc.ip_address == "10.1.2.3"
    # now the start page opens, and the letter page says it is accepted; accepting again records nothing new
    assert c.get(reverse("declarations:start")).status_code == 200
    assert "您已同意本承诺书" in text(c.get(reverse("declarations:commitment")).content)
    c.post(reverse("declarations:commitment"), {"agree": "1"})
    assert CommitmentAcceptance.objects.filter(user=user).count() == 1


def test_the_register_page_names_the_one_account_rule_and_the_password_rules():
    page = text(Client().get(reverse("register")).content)
    assert "一个身份证号码只能注册一个账号" in page
    assert re.search("大写字母.*小写字母.*数字.*特殊符号", page)

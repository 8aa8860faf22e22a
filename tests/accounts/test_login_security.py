"""ACC-1 / ACC-3: login by ID number, the five password rules, one-time passwords, lockout, idle timeout.

Everything goes through the real HTTP stack (django.test.Client) with the project's middleware,
django-axes and the real authentication backends.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects, assertTemplateUsed

from accounts.middleware import MSG_IDLE
from accounts.models import RoleAssignment, User
from common.checksums import id_number_check_char
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.factories import PASSWORD, create_unit, make_user, province_root

pytestmark = pytest.mark.django_db

LOGIN_URL = "/login/"
PASSWORD_URL = "/password/"
MSG_WRONG = "登录名或密码错误。连续输错5次，账号将被临时锁定。"
MSG_LOCKED = "密码连续输错次数过多，该账号在此电脑上已被临时锁定"
NEW_PASSWORD = "Nq7!vLp2#xWz"


# --------------------------------------------------------------------------------------------- helpers
def _id_number_ending_in_x() -> str:
    """A valid 18-character ID number whose check character is X (the case the lower-case x tests need)."""
    for seq in range(1000):
        first17 = f"51010419850315{seq:03d}"
        if id_number_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no X check character found")


def _x_user(**kwargs) -> User:
    org, _ = province_root()
    idn = _id_number_ending_in_x()
    user = User(username=idn, id_number=idn, name="王小明", org=org, must_change_password=False, **kwargs)
    user.set_password(PASSWORD)
    user.full_clean()
    user.save()
    return user


def _login(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _set_last_activity(client: Client, epoch: int) -> None:
    session = client.session
    session["last_activity"] = epoch
    session.save()


def _move_attempts_back(delta: dt.timedelta) -> None:
    """Pretend the recorded failures happened `delta` ago (axes keeps them in AccessAttempt rows)."""
    past = timezone.now() - delta
    AccessAttempt.objects.update(attempt_time=past)
    AccessAttemptExpiration.objects.update(expires_at=past)


# --------------------------------------------------------------------------------------------- ACC-1 login
def test_login_with_id_number_as_login_name(client):
    user = _x_user()
    resp = _login(client, user.username, PASSWORD)
    assertRedirects(resp, "/", fetch_redirect_response=False)
    assert _is_logged_in(client)
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user.pk == user.pk
    assertContains(home, "王小明")


def test_lower_case_x_is_accepted_and_normalised(client):
    user = _x_user()
    assert user.username.endswith("X")
    resp = _login(client, user.username.lower(), PASSWORD)
    assertRedirects(resp, "/", fetch_redirect_response=False)
    assert int(client.session["_auth_user_id"]) == user.pk


def test_id_number_with_surrounding_spaces_is_accepted(client):
    user = _x_user()
    resp = _login(client, f"  {user.username.lower()} ", PASSWORD)
    assertRedirects(resp, "/", fetch_redirect_response=False)


def test_wrong_password_shows_chinese_error_and_stays_on_login_page(client):
    user = _x_user()
    resp = _login(client, user.username, "Wrong@2026pass")
    assert resp.status_code == 200
    assertTemplateUsed(resp, "registration/login.html")
    assertContains(resp, MSG_WRONG)
    assertContains(resp, user.username)  # the typed login name is kept
    assert not _is_logged_in(client)


def test_unknown_login_name_gets_the_same_error(client):
    resp = _login(client, _id_number_ending_in_x(), PASSWORD)
    assert resp.status_code == 200
    assertContains(resp, MSG_WRONG)
    assert not _is_logged_in(client)


def test_inactive_account_cannot_log_in(client):
    user = _x_user(is_active=False)
    resp = _login(client, user.username, PASSWORD)
    assert resp.status_code == 200
    assertTemplateUsed(resp, "registration/login.html")
    assert not _is_logged_in(client)
    assert client.get("/").status_code == 302


def test_account_of_deactivated_org_cannot_log_in(client):
    prov, prov_op = province_root()
    city, city_op = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY)
    city.is_active = False
    city.save()
    resp = _login(client, city_op.username, PASSWORD)
    assert resp.status_code == 200
    assertContains(resp, "您所在的单位已停用，无法登录。")
    assert not _is_logged_in(client)


def test_deactivated_user_loses_an_open_session(client):
    user = _x_user()
    client.force_login(user)
    assert client.get("/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.url.startswith(LOGIN_URL)


def test_logout_works_by_post(client):
    user = _x_user()
    _login(client, user.username, PASSWORD)
    assert _is_logged_in(client)
    resp = client.post("/logout/")
    assertRedirects(resp, LOGIN_URL, fetch_redirect_response=False)
    assert not _is_logged_in(client)
    resp = client.get("/")
    assert resp.status_code == 302 and resp.url.startswith(LOGIN_URL)


def test_logout_by_get_is_refused(client):
    user = _x_user()
    client.force_login(user)
    assert client.get("/logout/").status_code == 405
    assert _is_logged_in(client)


def test_logged_in_user_visiting_login_page_goes_home(client):
    client.force_login(_x_user())
    assertRedirects(client.get(LOGIN_URL), "/", fetch_redirect_response=False)


def test_anonymous_user_is_sent_to_login(client):
    for url in ("/", "/orgs/", "/staff/", PASSWORD_URL):
        resp = client.get(url)
        assert resp.status_code == 302, url
        assert resp.url.startswith(LOGIN_URL), url


# --------------------------------------------------------------------------------------------- five rules
def _change(client: Client, old: str, new: str, new2: str | None = None):
    return client.post(PASSWORD_URL, {"old_password": old, "new_password1": new, "new_password2": new2 or new})


@pytest.mark.parametrize(
    ("candidate", "rule"),
    [
        pytest.param("Qz7!kpW", "长度不少于8位", id="too-short"),
        pytest.param("qz7!kpwmx", "包含大写字母", id="no-upper"),
        pytest.param("QZ7!KPWMX", "包含小写字母", id="no-lower"),
        pytest.param("Qz#!kpWmx", "包含数字", id="no-digit"),
        pytest.param("Qz72kpWmx", "包含特殊符号", id="no-symbol"),
    ],
)
def test_each_missing_password_rule_is_refused_with_its_message(client, candidate, rule):
    user = make_user(org=province_root()[0], name="张三")
    client.force_login(user)
    resp = _change(client, PASSWORD, candidate)
    assert resp.status_code == 200
    assertTemplateUsed(resp, "registration/password_change.html")
    assertContains(resp, "密码不符合规则")
    assertContains(resp, rule)
    # Only the broken rule is named.
    others = {"长度不少于8位", "包含大写字母", "包含小写字母", "包含数字", "包含特殊符号"} - {rule}
    for other in others:
        assertNotContains(resp, f"须{other}")
        assertNotContains(resp, f"、{other}")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.password_changed_at is None


def test_password_breaking_several_rules_names_them_all(client):
    user = make_user(org=province_root()[0], name="张三")
    client.force_login(user)
    resp = _change(client, PASSWORD, "qzkpwm")
    assertContains(resp, "密码不符合规则：须长度不少于8位、包含大写字母、包含数字、包含特殊符号")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_valid_new_password_passes(client):
    user = make_user(org=province_root()[0], name="张三")
    client.force_login(user)
    resp = _change(client, PASSWORD, NEW_PASSWORD)
    assertRedirects(resp, "/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.must_change_password is False
    assert user.password_changed_at is not None
    # The session survives the change and the success message is shown.
    home = client.get("/")
    assert home.status_code == 200
    assertContains(home, "密码修改成功。")
    # The new password logs in; the old one no longer does.
    client.post("/logout/")
    assertContains(_login(client, user.username, PASSWORD), MSG_WRONG)
    assertRedirects(_login(client, user.username, NEW_PASSWORD), "/", fetch_redirect_response=False)


def test_new_password_equal_to_old_is_refused(client):
    old = "Old@2026Pass"
    user = make_user(org=province_root()[0], name="张三", password=old)
    client.force_login(user)
    resp = _change(client, old, old)
    assert resp.status_code == 200
    assertContains(resp, "新密码不能与原密码相同。")
    user.refresh_from_db()
    assert user.password_changed_at is None


def test_wrong_old_password_is_refused(client):
    user = make_user(org=province_root()[0], name="张三")
    client.force_login(user)
    resp = _change(client, "Wrong@2026pass", NEW_PASSWORD)
    assertContains(resp, "原密码不正确，请重新输入。")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_mismatched_confirmation_is_refused(client):
    user = make_user(org=province_root()[0], name="张三")
    client.force_login(user)
    resp = _change(client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "9")
    assertContains(resp, "两次输入的新密码不一致。")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_page_shows_the_five_rules(client):
    client.force_login(make_user(org=province_root()[0]))
    resp = client.get(PASSWORD_URL)
    assertContains(resp, "长度不少于8位，包含大写字母、小写字母、数字和特殊符号")


# --------------------------------------------------------------------------------------------- one-time passwords
FORCED_PAGES = ("/", "/orgs/", "/staff/", "/staff/new/", "/password/once/", "/admin/")


def test_initial_password_forces_change_before_any_page(client):
    prov, prov_op = province_root()
    user = make_user(org=prov, name="新用户", roles=("hr_province",), admin=True)
    user.must_change_password = True
    user.save()

    resp = _login(client, user.username, PASSWORD)
    assert resp.status_code == 302
    for url in FORCED_PAGES:
        r = client.get(url)
        assertRedirects(r, PASSWORD_URL, fetch_redirect_response=False, msg_prefix=url)
    # A POST that would change data is not carried out either.
    before = User.objects.count()
    r = client.post("/staff/new/", {"name": "某人", "id_number": _id_number_ending_in_x(), "roles": ["applicant"]})
    assertRedirects(r, PASSWORD_URL, fetch_redirect_response=False)
    assert User.objects.count() == before

    page = client.get(PASSWORD_URL)
    assert page.status_code == 200
    assertContains(page, "您正在使用一次性初始密码，请先设置新密码后再使用系统。")

    resp = _change(client, PASSWORD, NEW_PASSWORD)
    assertRedirects(resp, "/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.must_change_password is False
    for url in ("/", "/orgs/", "/staff/", "/staff/new/"):
        assert client.get(url).status_code == 200, url
    assertNotContains(client.get(PASSWORD_URL), "您正在使用一次性初始密码")


def test_forced_change_still_allows_logout(client):
    user = make_user(org=province_root()[0])
    user.must_change_password = True
    user.save()
    client.force_login(user)
    assertRedirects(client.post("/logout/"), LOGIN_URL, fetch_redirect_response=False)
    assert not _is_logged_in(client)


@pytest.mark.parametrize("must_change", [True, False])
def test_demo_user_skips_forced_change_only_in_demo_mode(client, settings, must_change):
    user = make_user(org=province_root()[0], name="演示用户")
    user.is_demo = True
    user.must_change_password = must_change
    user.save()
    client.force_login(user)

    settings.DEMO = True
    assert client.get("/").status_code == 200
    assertNotContains(client.get(PASSWORD_URL), "您正在使用一次性初始密码")

    settings.DEMO = False
    assertRedirects(client.get("/"), PASSWORD_URL, fetch_redirect_response=False)
    assertContains(client.get(PASSWORD_URL), "您正在使用一次性初始密码")


def test_non_demo_user_with_initial_password_is_forced_even_in_demo_mode(client, settings):
    settings.DEMO = True
    user = make_user(org=province_root()[0])
    user.must_change_password = True
    user.save()
    client.force_login(user)
    assertRedirects(client.get("/"), PASSWORD_URL, fetch_redirect_response=False)


# --------------------------------------------------------------------------------------------- ACC-3 lockout
def _fail_five_times(client: Client, username: str, **extra) -> list:
    return [_login(client, username, f"Wrong@2026pass{i}", **extra) for i in range(5)]


def _assert_locked(resp) -> None:
    assert resp.status_code == 429
    assertTemplateUsed(resp, "registration/locked_out.html")
    assertContains(resp, MSG_LOCKED, status_code=429)


def test_five_failures_lock_even_the_correct_password(client):
    user = _x_user()
    responses = _fail_five_times(client, user.username)
    for r in responses[:4]:
        assert r.status_code == 200
        assertContains(r, MSG_WRONG)
    _assert_locked(responses[4])  # the fifth failure already answers with the lockout page

    resp = _login(client, user.username, PASSWORD)
    _assert_locked(resp)
    assert not _is_logged_in(client)
    assert client.get("/").status_code == 302
    attempt = AccessAttempt.objects.get()
    assert attempt.username == user.username
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.failures_since_start >= 5


def test_four_failures_do_not_lock(client):
    user = _x_user()
    for i in range(4):
        assertContains(_login(client, user.username, f"Wrong@{i}"), MSG_WRONG)
    assertRedirects(_login(client, user.username, PASSWORD), "/", fetch_redirect_response=False)


def test_successful_login_resets_the_failure_count(client):
    user = _x_user()
    for i in range(4):
        _login(client, user.username, f"Wrong@{i}")
    assertRedirects(_login(client, user.username, PASSWORD), "/", fetch_redirect_response=False)
    client.post("/logout/")
    for i in range(4):
        assertContains(_login(client, user.username, f"Wrong@{i}"), MSG_WRONG)
    assertRedirects(_login(client, user.username, PASSWORD), "/", fetch_redirect_response=False)


def test_x_forwarded_for_does_not_bypass_the_lock(client):
    user = _x_user()
    for i in range(5):
        _login(client, user.username, f"Wrong@{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i + 1}")
    resp = _login(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")
    _assert_locked(resp)
    assert not _is_logged_in(client)
    # Every attempt was recorded against the socket address, not the header.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_lock_is_per_username_and_ip(client):
    user = _x_user()
    other = make_user(org=province_root()[0], name="李四")
    _fail_five_times(client, user.username, REMOTE_ADDR="192.0.2.10")
    _assert_locked(_login(client, user.username, PASSWORD, REMOTE_ADDR="192.0.2.10"))

    # Same user from another address: a different key, logs in.
    other_ip = Client()
    assertRedirects(
        _login(other_ip, user.username, PASSWORD, REMOTE_ADDR="192.0.2.20"), "/", fetch_redirect_response=False
    )
    # Another user from the locked address: a different key, logs in.
    other_user = Client()
    assertRedirects(
        _login(other_user, other.username, PASSWORD, REMOTE_ADDR="192.0.2.10"), "/", fetch_redirect_response=False
    )
    # The original pair stays locked.
    _assert_locked(_login(Client(), user.username, PASSWORD, REMOTE_ADDR="192.0.2.10"))


def test_lower_and_upper_case_x_count_against_the_same_lock(client):
    user = _x_user()
    upper, lower = user.username, user.username.lower()
    for i, name in enumerate([upper, lower, upper, lower, lower]):
        _login(client, name, f"Wrong@{i}")
    assert AccessAttempt.objects.count() == 1
    assert AccessAttempt.objects.get().username == upper
    _assert_locked(_login(client, upper, PASSWORD))
    _assert_locked(_login(client, lower, PASSWORD))
    assert not _is_logged_in(client)


def test_lock_lifts_after_the_cool_off(client, settings):
    user = _x_user()
    _fail_five_times(client, user.username)
    _assert_locked(_login(client, user.username, PASSWORD))

    # Still locked just inside the cool-off.
    _move_attempts_back(settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    _assert_locked(_login(client, user.username, PASSWORD))

    # Past the cool-off: the correct password logs in again.
    _move_attempts_back(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1))
    assertRedirects(_login(client, user.username, PASSWORD), "/", fetch_redirect_response=False)
    assert _is_logged_in(client)


def test_locked_page_is_in_chinese_and_links_to_login(client, settings):
    user = _x_user()
    _fail_five_times(client, user.username)
    resp = _login(client, user.username, PASSWORD)
    _assert_locked(resp)
    html = resp.content.decode()
    assert "账号已临时锁定" in html
    assert 'href="/login/"' in html
    # The cool-off is told in minutes, not as a raw ISO-8601 duration ("请PT15M再试").
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"PT{minutes}M" not in html
    assert f"请{minutes}分钟后再试" in html


# --------------------------------------------------------------------------------------------- idle timeout
def _unit_admin_with_staff():
    prov, prov_op = province_root()
    city, city_op = create_unit(actor=prov_op, parent=prov, kind=OrgKind.HR_CITY)
    staff = make_user(org=city, name="科员甲")
    return city, city_op, staff


def test_idle_session_post_is_not_carried_out(client, settings):
    city, admin, staff = _unit_admin_with_staff()
    assertRedirects(_login(client, admin.username, PASSWORD), "/", fetch_redirect_response=False)
    assert client.get("/").status_code == 200
    assert "last_activity" in client.session

    _set_last_activity(client, int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 1)
    url = f"/staff/{staff.pk}/roles/"
    resp = client.post(url, {"roles": ["applicant"]})
    assert resp.status_code == 302
    assert resp.url.startswith(LOGIN_URL)
    assert not RoleAssignment.objects.filter(user=staff).exists()
    assert not _is_logged_in(client)

    page = client.get(resp.url)
    assert page.status_code == 200
    assertTemplateUsed(page, "registration/login.html")
    assertContains(page, MSG_IDLE)
    # Still logged out: the next page asks for login again.
    assert client.get("/").status_code == 302


def test_idle_session_org_create_is_not_carried_out(client, settings):
    prov, prov_op = province_root()
    client.force_login(prov_op)
    _set_last_activity(client, int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 1)
    before = Org.objects.count(), User.objects.count()
    resp = client.post(f"/orgs/{prov.pk}/new/", {"kind": OrgKind.HR_CITY, "name": "某市人社局"})
    assert resp.status_code == 302 and resp.url.startswith(LOGIN_URL)
    assert (Org.objects.count(), User.objects.count()) == before
    assertContains(client.get(resp.url), MSG_IDLE)


def test_active_session_within_timeout_works(client, settings):
    city, admin, staff = _unit_admin_with_staff()
    client.force_login(admin)
    _set_last_activity(client, int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60)
    resp = client.post(f"/staff/{staff.pk}/roles/", {"roles": ["applicant"]})
    assertRedirects(resp, "/staff/", fetch_redirect_response=False)
    assert list(RoleAssignment.objects.filter(user=staff).values_list("role__code", flat=True)) == ["applicant"]
    # Activity is refreshed by the request.
    assert int(time.time()) - client.session["last_activity"] <= 5

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from common.checksums import normalize_id_number, validate_id_number, validate_uscc
from orgs.kinds import HR_KINDS, OrgKind, creatable_kinds
from orgs.models import Org, Region

from . import roles as R
from .models import Role


def _region_labels(regions) -> dict[int, str]:
    """Full names ("四川省 / 眉山市 / 东坡区") for a list of regions, from one query."""
    regions = list(regions)
    paths = {r.path[: i * Region.steplen] for r in regions for i in range(1, r.depth + 1)}
    names = dict(Region.objects.filter(path__in=paths).values_list("path", "name"))
    return {
        r.pk: " / ".join(names.get(r.path[: i * Region.steplen], "") for i in range(1, r.depth + 1)) for r in regions
    }


class RegionChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._labels: dict[int, str] | None = None

    def label_from_instance(self, obj):
        if self._labels is None:
            self._labels = _region_labels(self.queryset)
        return self._labels.get(obj.pk, obj.name)


class LoginForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label="登录名",
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "身份证号码", "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": "登录名或密码错误。连续输错5次，账号将被临时锁定。",
        "inactive": "该账号已停用，请联系本单位管理员。",
    }

    def clean_username(self):
        return normalize_id_number(self.cleaned_data.get("username", ""))

    def clean(self):
        try:
            return super().clean()
        except ValidationError as exc:
            # ModelBackend refuses inactive accounts like wrong passwords; with the right password, say why.
            if getattr(exc, "code", None) == "invalid_login" and self._inactive_account_with_this_password():
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise

    def _inactive_account_with_this_password(self) -> bool:
        from .models import User

        user = User.objects.filter(username=self.cleaned_data.get("username"), is_active=False).first()
        return bool(user and user.check_password(self.cleaned_data.get("password") or ""))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.org_id and not user.org.is_active:
            raise ValidationError("您所在的单位已停用，无法登录。", code="inactive")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        "password_mismatch": "两次输入的新密码不一致。",
        "password_incorrect": "原密码不正确，请重新输入。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "确认新密码"

    def clean(self):
        # Django 5.1+ validates the new passwords in SetPasswordForm.clean() (there is no clean_new_password2).
        cleaned = super().clean()
        pw2 = self.cleaned_data.get("new_password2")
        if pw2 and self.user.check_password(pw2):
            self.add_error("new_password2", ValidationError("新密码不能与原密码相同。", code="password_same"))
        return cleaned

    def save(self, commit=True):
        from .services import password_changed

        password_changed(user=self.user, new_password=self.cleaned_data["new_password1"])
        return self.user


class OrgFieldsMixin(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18)
    region = RegionChoiceField(label="所属行政区域", queryset=Region.objects.none())
    locality = RegionChoiceField(
        label="职称业务归属地",
        queryset=Region.objects.none(),
        help_text="办理职称业务的归属地，非单位所在地：省属单位选“四川省”（省本级），市属单位选对应市。",
    )
    hr_department = forms.ModelChoiceField(
        label="人社部门", queryset=Org.objects.none(), required=False, empty_label="自动（上级链上最近的人社部门）",
        help_text="留空则自动取上级链上最近的人社部门。",
    )
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    address = forms.CharField(label="通讯地址", max_length=200, required=False)

    def _setup_org_fields(self, parent: Org):
        scope_region = parent.region
        regions = Region.objects.filter(path__startswith=scope_region.path).order_by("path")
        ancestors = Region.objects.filter(path__in=[scope_region.path[: i * Region.steplen]
                                                   for i in range(1, scope_region.depth)])
        self.fields["region"].queryset = regions
        self.fields["locality"].queryset = (regions | ancestors).distinct().order_by("path")
        chain = [parent.pk, *parent.ancestors().values_list("pk", flat=True)]
        self.fields["hr_department"].queryset = Org.objects.filter(pk__in=chain, kind__in=HR_KINDS).order_by("depth")

    def clean_uscc(self):
        return validate_uscc(self.cleaned_data["uscc"])


class OrgCreateForm(OrgFieldsMixin):
    kind = forms.ChoiceField(label="单位分类", choices=OrgKind.choices)
    name = forms.CharField(label="单位名称", max_length=100, help_text="单位名称创建后不能修改，请与公章一致。")
    operator_name = forms.CharField(label="经办人员姓名", max_length=50)
    operator_id_number = forms.CharField(label="经办人员身份证号码", max_length=18, help_text="即该经办人员的登录名。")
    operator_mobile = forms.CharField(label="经办人员手机号码", max_length=20, required=False)

    field_order = [
        "kind", "name", "uscc", "region", "locality", "hr_department", "contact_person", "contact_phone", "email",
        "address", "operator_name", "operator_id_number", "operator_mobile",
    ]

    def __init__(self, *args, parent: Org, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        self._setup_org_fields(parent)
        # Only the kinds this parent may create are offered; the service refuses any other kind posted.
        allowed = creatable_kinds(parent.kind)
        self.fields["kind"].widget.choices = [("", "请选择")] + [(k, lbl) for k, lbl in OrgKind.choices if k in allowed]

    def clean_operator_id_number(self):
        return validate_id_number(self.cleaned_data["operator_id_number"])


class OrgEditForm(OrgFieldsMixin):
    def __init__(self, *args, org: Org, **kwargs):
        initial = kwargs.pop("initial", None) or {
            "uscc": org.uscc, "region": org.region_id, "locality": org.locality_id,
            "hr_department": org.hr_department_id, "contact_person": org.contact_person,
            "contact_phone": org.contact_phone, "email": org.email, "address": org.address,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.org = org
        self._setup_org_fields(org.parent)


class RolePickerWidget(forms.SelectMultiple):
    """The two-list picker of 000 §3.1.2.3: available roles on the left, granted on the right."""

    template_name = "widgets/role_picker.html"


def _role_choices(org: Org) -> list[tuple[str, str]]:
    codes = list(R.roles_allowed_for_kind(org.kind))
    roles = {r.code: r for r in Role.objects.filter(code__in=codes)}
    custom = Role.objects.filter(owner_org=org).order_by("name")
    return [(c, roles[c].name) for c in codes if c in roles] + [(r.code, r.name) for r in custom]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label="角色", required=False, widget=RolePickerWidget)

    def __init__(self, *args, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        # Every role code is accepted by the form; the service refuses roles the org's kind may not hold.
        self.fields["roles"].choices = list(Role.objects.values_list("code", "name"))
        self.fields["roles"].widget.choices = _role_choices(org)


class StaffCreateForm(RolesForm):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码", max_length=18, help_text="即该用户的登录名。")
    mobile = forms.CharField(label="手机号码", max_length=20, required=False)

    field_order = ["name", "id_number", "mobile", "roles"]

    def clean_id_number(self):
        return validate_id_number(self.cleaned_data["id_number"])


class RegisterForm(forms.Form):
    """Applicant self-registration (ACC-4, 002 §1.2.3, 004 §1.1): one account per resident ID."""

    id_number = forms.CharField(label="身份证号码", max_length=18, help_text="即您的登录名；一个身份证号码只能注册一个账号。")
    name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.RegexField(label="手机号码", regex=r"^1\d{10}$", max_length=11,
                              error_messages={"invalid": "请输入11位手机号码。"})
    password1 = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text="长度不少于8位，须包含大写字母、小写字母、数字和特殊符号。")
    password2 = forms.CharField(label="确认密码", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_id_number(self):
        from .models import User

        idn = validate_id_number(self.cleaned_data["id_number"])
        if User.objects.filter(id_number=idn).exists() or User.objects.filter(username=idn).exists():
            raise ValidationError("该身份证号码已注册，请直接登录；如忘记密码请联系单位管理员。", code="taken")
        return idn

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        from .models import User

        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致。")
        elif p1:
            try:
                validate_password(p1, User(username=data.get("id_number", ""), name=data.get("name", "")))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data

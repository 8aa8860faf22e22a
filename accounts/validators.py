from django.core.exceptions import ValidationError

from common.checksums import normalize_id_number

PASSWORD_RULES_HELP = "密码须同时满足：长度不少于8位，包含大写字母、小写字母、数字和特殊符号。"
_SYMBOLS = set("~`!@#$%^&*()-_=+[]{}\\|;:'\",<.>/?")


class FiveRulesPasswordValidator:
    """The five password rules of 000 §2.1.3: length ≥ 8, upper, lower, digit, symbol."""

    min_length = 8

    def validate(self, password, user=None):
        problems = []
        if len(password) < self.min_length:
            problems.append(f"长度不少于{self.min_length}位")
        if not any(c.isascii() and c.isupper() for c in password):
            problems.append("包含大写字母")
        if not any(c.isascii() and c.islower() for c in password):
            problems.append("包含小写字母")
        if not any(c.isdigit() for c in password):
            problems.append("包含数字")
        if not any(c in _SYMBOLS for c in password):
            problems.append("包含特殊符号（如 !@#$%）")
        if problems:
            raise ValidationError("密码不符合规则：须" + "、".join(problems) + "。", code="password_rules")

    def get_help_text(self):
        return PASSWORD_RULES_HELP


def axes_username(request, credentials):
    """Lockout key: the normalised login name, so 'x' and 'X' count as the same account."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_id_number(username)

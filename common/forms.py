"""Form helpers shared by the apps' views."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def apply_validation_error(form, exc: ValidationError, *, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form, under the field it names (or the form's top), so the re-rendered
    form keeps everything that was typed. `aliases` maps a service's field name to the form's."""
    if hasattr(exc, "error_dict"):
        for name, errs in exc.error_dict.items():
            name = (aliases or {}).get(name, name)
            for e in errs:
                form.add_error(name if name in form.fields else None, e)
    else:
        for msg in exc.messages:
            form.add_error(None, msg)


def error_text(exc) -> str:
    """One line of the Chinese messages a refusal carries (ValidationError or PermissionDenied)."""
    return " ".join(getattr(exc, "messages", None) or [str(exc)])

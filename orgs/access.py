"""Primitive questions about object permissions held in orgs (django-guardian), usable by every app.

Composite rules ("may this user edit that unit") live in accounts/permissions.py; apps to the left of
accounts (titles) ask these primitives directly.
"""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from .models import Org


def is_live_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def has_org_perm(user, codename: str, org: Org | None) -> bool:
    """Does the user hold `codename` in this very (active) org, through a role held there?"""
    if org is None or not org.is_active:
        return False
    # Asked through the same query as orgs_with_perm, so a superuser (Django admin) gets no org rights by
    # default either: rights in orgs come from roles held there, never from being a superuser.
    return orgs_with_perm(user, codename).filter(pk=org.pk).exists()


def orgs_with_perm(user, codename: str) -> QuerySet[Org]:
    """Active orgs in which the user holds `codename`. Global (model-level) permissions never widen this."""
    if not is_live_user(user):
        return Org.objects.none()
    return get_objects_for_user(
        user, f"orgs.{codename}", klass=Org.objects.filter(is_active=True), accept_global_perms=False,
        with_superuser=False,
    )

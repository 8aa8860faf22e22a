"""The one place that answers "may this user do X to this object".

Rights are django-guardian object permissions on Org, kept in step with role assignments by
accounts.services.org_permissions_sync. Lists are scoped explicitly to the orgs a user holds a right in
(and their subtrees); guardian's global-permission widening is switched off everywhere here.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from orgs.access import has_org_perm, is_live_user, orgs_with_perm
from orgs.kinds import may_create
from orgs.models import Org

from . import roles as R


def _subtree_q(paths: list[str], *, strict: bool) -> Q | None:
    if not paths:
        return None
    q = reduce(or_, (Q(path__startswith=p) for p in paths))
    if strict:
        q &= ~Q(path__in=paths)
    return q


def managed_orgs_q(user, *, strict: bool = True) -> Q | None:
    """Q matching the orgs under the orgs where the user may manage subordinate units."""
    paths = list(orgs_with_perm(user, R.P_MANAGE_SUBUNITS).values_list("path", flat=True))
    return _subtree_q(paths, strict=strict)


def visible_orgs(user) -> QuerySet[Org]:
    """Orgs a user may see on the org pages: those they manage, everything below them, and their own org."""
    if not is_live_user(user):
        return Org.objects.none()
    q = managed_orgs_q(user, strict=False)
    if user.org_id:
        q = (q | Q(pk=user.org_id)) if q is not None else Q(pk=user.org_id)
    return Org.objects.filter(q) if q is not None else Org.objects.none()


def can_manage_subunits(user, org: Org) -> bool:
    return has_org_perm(user, R.P_MANAGE_SUBUNITS, org)


def can_create_suborg(user, parent: Org, kind: str) -> bool:
    """000 §3.1.1.1: the operator of `parent` may create a unit of `kind` under it."""
    return can_manage_subunits(user, parent) and may_create(parent.kind, kind)


def can_edit_org(user, org: Org) -> bool:
    """Edit or deactivate a unit: only strictly below an org where the user manages subordinate units."""
    if not is_live_user(user):
        return False
    q = managed_orgs_q(user, strict=True)
    return q is not None and Org.objects.filter(q, pk=org.pk).exists()


def can_view_org(user, org: Org) -> bool:
    return visible_orgs(user).filter(pk=org.pk).exists()


def can_manage_staff(user, org: Org) -> bool:
    return has_org_perm(user, R.P_MANAGE_STAFF, org)


def can_manage_user(actor, target) -> bool:
    """A unit admin manages the staff of their own org only."""
    return target.org_id is not None and can_manage_staff(actor, target.org)


def can_review_in_chain_of(user, org: Org) -> bool:
    """The user reviews declarations in this org or in one of its ancestors (the unit's reporting chain)."""
    if not is_live_user(user):
        return False
    return orgs_with_perm(user, R.P_REVIEW).filter(path__in=[*org.ancestor_paths(), org.path]).exists()


def can_view_declaration(user, declaration) -> bool:
    """The applicant; reviewers of the applicant unit's chain; the committee's office and final org.

    `declaration` is duck-typed (applicant_id, unit, committee) so this module need not import declarations.
    The review chain (workflow) narrows reviewers to the orgs on the dossier's route once it exists.
    """
    if not is_live_user(user):
        return False
    if declaration.applicant_id == user.pk:
        return True
    if declaration.status in ("draft", "abandoned"):
        return False  # a draft is the applicant's own until submitted
    if can_review_in_chain_of(user, declaration.unit):
        return True
    # Every org on the dossier's route (industry departments, HR bureaus, inserted orgs …) reviews it.
    route_orgs = {s.get("org") for p in declaration.review_processes.all() for s in p.route} - {None}
    if route_orgs and (orgs_with_perm(user, R.P_REVIEW) | orgs_with_perm(user, R.P_COMMITTEE)).filter(
            pk__in=route_orgs).exists():
        return True
    committee = declaration.committee
    if committee is not None:
        return has_org_perm(user, R.P_COMMITTEE, committee.office) or has_org_perm(user, R.P_REVIEW, committee.final_org)
    return False


# --------------------------------------------------------------------------------------------- certificates
def certificate_orgs(user) -> QuerySet[Org]:
    """Orgs where the user holds 证书管理 (HR departments' operators)."""
    return orgs_with_perm(user, R.P_CERTIFICATES)


def certificate_scope_q(user, field: str = "path") -> Q | None:
    """Q over orgs (by `field`, a path lookup) in the subtrees of the user's 证书管理 orgs; None when none."""
    paths = list(certificate_orgs(user).values_list("path", flat=True))
    if not paths:
        return None
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def can_manage_certificates_of(user, org: Org | None) -> bool:
    """Manage the certificates an org issued (revoke, retry, report, import): 证书管理 in that org or above it."""
    if org is None or not is_live_user(user):
        return False
    return certificate_orgs(user).filter(path__in=[*org.ancestor_paths(), org.path]).exists()


def can_issue_in(user, org: Org | None) -> bool:
    """Issue certificates as this org (it is the final org of the route): 证书管理 in that very org."""
    return has_org_perm(user, R.P_CERTIFICATES, org)


def can_view_certificate(user, certificate) -> bool:
    """The holder, and the certificate managers of the issuing org's chain. Duck-typed (holder_id, issuing_unit)."""
    if not is_live_user(user):
        return False
    if certificate.holder_id == user.pk or (certificate.holder_id is None
                                            and certificate.holder_id_number == user.id_number):
        return True
    return can_manage_certificates_of(user, certificate.issuing_unit.org)

"""Demo certificates (issue 6): issuing-unit codes for the province and the city HR bureaus, the signing keys of
a local demo CA, a certificate for every demo declaration approved to the end (issued through the real service,
so its PDF is rendered and signed like any other), and one historical certificate that was revoked."""

from __future__ import annotations

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from declarations.models import Declaration
from orgs.models import Org

from . import services
from .models import Certificate, IssuingUnit
from .selectors import issuable_declarations

# Demo org key → issuing-unit code (the last four digits of its 统筹区 code, 003 §1.9).
DEMO_CODES = {"hr_sc": "5100", "hr_cd": "5101", "hr_dy": "5106", "hr_nc": "5113", "hr_ms": "5114", "hr_yb": "5115"}
REVOKED_NUMBER_SEQ = 900001
REVOKE_REASON = "原证书信息有误，已按规定收回并重新核发。"


def demo_certificates_load(*, orgs: dict[str, Org], operators: dict, applicants: dict, created: list[str]) -> None:
    for key, code in DEMO_CODES.items():
        if key in orgs and not IssuingUnit.objects.filter(org=orgs[key]).exists():
            IssuingUnit.objects.create(code=code, org=orgs[key])
            created.append(f"发证单位编码 {code}")
    call_command("signing_setup", "--codes", *DEMO_CODES.values(), verbosity=0)  # idempotent; never committed
    root, root_op = orgs["hr_sc"], operators["hr_sc"]
    ids = list(issuable_declarations(org=root).values_list("pk", flat=True))
    if ids:
        batch = services.certificates_issue(
            user=root_op, org=root, declaration_ids=ids, document_number="川人社职〔2026〕8号"
        )
        created.append(f"职称证书 {batch.certificates.count()} 本")
    _revoked_history(root=root, root_op=root_op, applicants=applicants, created=created)


@transaction.atomic
def _revoked_history(*, root: Org, root_op, applicants: dict, created: list[str]) -> None:
    """胡斌's earlier 工程师 certificate (imported history), revoked."""
    holder = applicants.get("dp_water")
    unit = IssuingUnit.objects.get(org=root)
    number = services.format_number(unit, 2019, REVOKED_NUMBER_SEQ)
    if holder is None or Certificate.objects.filter(number=number).exists():
        return
    d = Declaration.objects.filter(applicant=holder).select_related("unit").first()
    cert = Certificate.objects.create(
        number=number,
        holder=holder,
        holder_name=holder.name,
        holder_id_number=holder.id_number,
        work_unit=d.unit.name if d else "东坡区水利局",
        series="工程系列",
        specialty="水利水电工程",
        level="middle",
        qualification="工程师",
        committee="四川省工程技术中级职称评审委员会",
        approved_on=timezone.datetime(2019, 11, 20).date(),
        issued_on=timezone.datetime(2019, 12, 30).date(),
        document_number="川人社职〔2019〕45号",
        issuing_unit=unit,
        issuing_org_name=root.name,
        source=Certificate.Source.IMPORT,
        pdf_enqueued_at=timezone.now(),
    )
    services.pdf_jobs_enqueue_on_commit([cert.pk])
    services.certificate_revoke(user=root_op, certificate=cert, reason=REVOKE_REASON)
    created.append(f"已撤销的历史证书 {number}")

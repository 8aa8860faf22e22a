"""CRT-1 under concurrency (PostgreSQL, real connections): two issuers taking numbers at the same moment from the
same pool — including the moment the pool runs out and extends itself — never get the same number."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from certificates import services
from certificates.models import IssuingUnit, NumberRange
from tests.factories import province_root

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_issuers_never_share_a_number_even_when_the_pool_extends():
    root, _op = province_root()
    unit = IssuingUnit.objects.create(code="5100", org=root)
    year = timezone.localdate().year
    NumberRange.objects.create(issuing_unit=unit, year=year, start=1, end=30, next_seq=1)
    results: list[list[str]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def take():
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    results.append(services.numbers_take(issuing_unit=unit, year=year, count=7))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    numbers = [n for r in results for n in r]
    assert len(numbers) == 4 * 5 * 7 and len(set(numbers)) == len(numbers)
    seqs = sorted(int(n[-6:]) for n in numbers)
    assert seqs == list(range(1, len(numbers) + 1))  # no gaps either: the pool extended itself exactly
    assert NumberRange.objects.filter(issuing_unit=unit, auto=True).count() == 1

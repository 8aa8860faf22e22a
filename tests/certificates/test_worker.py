"""CRT-2 with a real Celery worker and a real Redis (marked `worker`; they also need PostgreSQL, which the worker
process shares with the test — run in the PostgreSQL + Redis pass of .ci/run).

Each test starts its own redis-server on a free port (so stopping it disturbs nobody) and its own worker process
on the test database. Nothing here is mocked: the outbox rows, the claim, the render, the storage, the sweeper.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, IssuingUnit
from config.celery import app as celery_app
from tests.factories import next_id_number, province_root

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
STALE = 4  # seconds after which the sweeper takes over a job whose worker died


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(cond, timeout: float, what: str, step: float = 0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Redis:
    def __init__(self):
        self.port = _free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        self.proc = subprocess.Popen([REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self.ping, 20, "redis-server to start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        _wait(lambda: not self.ping(), 10, "redis-server to stop")


class Worker:
    def __init__(self, redis: Redis):
        self.redis = redis
        self.proc = None

    def env(self) -> dict:
        db = connection.settings_dict
        env = dict(os.environ)
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
                            f"{db['NAME']}",
            "REDIS_URL": self.redis.url,
            "CELERY_EAGER": "0",
            "CERT_PDF_STALE_SECONDS": str(STALE),
            "CERT_PDF_REQUEUE_SECONDS": str(STALE),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def start(self):
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "-l", "warning",
             "--concurrency", "1", "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=self.env(), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self):
        """SIGKILL the whole worker (main process and its pool child), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def redis():
    r = Redis()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def celery_on(redis, settings):
    """This test process enqueues for real, to the test's own Redis."""
    old = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CERT_PDF_STALE_SECONDS = STALE
    settings.CERT_PDF_REQUEUE_SECONDS = STALE
    settings.CERT_PDF_BATCH = 10
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = redis.url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = old
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(redis, celery_on):
    w = Worker(redis)
    yield w
    w.kill()


def _make_certificates(n: int) -> list[int]:
    """n pending certificate rows with numbers from the pool (as the issue and import services write them)."""
    root, _op = province_root()
    unit = IssuingUnit.objects.create(code="5100", org=root)
    today = timezone.localdate()
    with transaction.atomic():
        numbers = services.numbers_take(issuing_unit=unit, year=today.year, count=n)
        Certificate.objects.bulk_create([
            Certificate(number=num, holder_name=f"测试{i:03d}", holder_id_number=next_id_number(), series="工程系列",
                        specialty="水利工程", level="vice_senior", qualification="高级工程师",
                        committee="四川省工程技术高级职称评审委员会", approved_on=today, issued_on=today,
                        issuing_unit=unit, issuing_org_name=root.name, pdf_enqueued_at=timezone.now())
            for i, num in enumerate(numbers)])
    return list(Certificate.objects.order_by("pk").values_list("pk", flat=True))


def _counts() -> dict:
    return {s: Certificate.objects.filter(pdf_state=s).count() for s in Certificate.PdfState.values}


def _assert_all_done_once(ids: list[int]) -> None:
    certs = list(Certificate.objects.filter(pk__in=ids).select_related("issuing_unit"))
    assert len(certs) == len(ids)
    assert {c.pdf_state for c in certs} == {"done"}, _counts()
    keys = [c.pdf_file for c in certs]
    assert len(set(keys)) == len(keys)  # one file per certificate, no duplicate
    import hashlib

    for c in certs:
        assert c.pdf_file == f"certificates/{c.issuing_unit.code}/{c.number}.pdf"
        data = default_storage.open(c.pdf_file).read()
        assert hashlib.sha256(data).hexdigest() == c.pdf_sha256, c.number  # the stored file is the recorded one
    folder = Path(default_storage.path(f"certificates/{certs[0].issuing_unit.code}"))
    on_disk = sorted(p.name for p in folder.iterdir() if p.name.endswith(".pdf"))
    assert on_disk == sorted(f"{c.number}.pdf" for c in certs)  # nothing missing, nothing extra


def test_200_certificates_complete_exactly_once_when_the_worker_is_killed_mid_batch(worker, media):
    ids = _make_certificates(200)
    worker.start()
    services.pdf_jobs_enqueue(ids)
    # Mid-batch: some certificates done, most not yet.
    _wait(lambda: _counts()["done"] >= 30, 180, "the worker to finish a few batches")
    worker.kill()
    mid = _counts()
    assert 0 < mid["done"] < 200, mid
    # Restarted; the jobs it had claimed go stale and the sweeper (celery beat's job) sends them again.
    worker.start()

    def finished():
        services.pdf_jobs_sweep()
        return _counts()["done"] == 200

    _wait(finished, 300, "all 200 certificates after the restart", step=3.0)
    _assert_all_done_once(ids)


def test_with_redis_down_issuing_still_commits_and_the_sweeper_completes_the_jobs_once_redis_is_back(
        worker, redis, media):
    from tests.certificates.conftest import approved_declaration
    from tests.workflow.conftest import build_world
    from tests.workflow.helpers import client_for

    world = build_world()
    IssuingUnit.objects.create(code="5100", org=world.root)
    decls = [approved_declaration(world) for _ in range(3)]
    worker.start()
    redis.stop()
    resp = client_for(world.root_op).post(
        reverse("certificates:issue"),
        {"org": world.root.pk, "declaration": [d.pk for d in decls], "scope": "selected"}, follow=True)
    assert "已发放 3 本证书" in resp.content.decode()
    ids = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 3 and _counts()["pending"] == 3  # committed, shown pending
    page = client_for(world.root_op).get(reverse("certificates:batch", args=[Certificate.objects.get(pk=ids[0]).batch_id]))
    assert "待生成" in page.content.decode()
    # Redis comes back (same port); the worker reconnects; the sweeper sends the stale pending jobs.
    redis.start()
    time.sleep(STALE + 0.5)

    def finished():
        services.pdf_jobs_sweep()
        return _counts()["done"] == 3

    _wait(finished, 120, "the swept jobs to complete", step=1.0)
    attempts = list(Certificate.objects.values_list("pdf_attempts", flat=True))
    assert attempts == [1, 1, 1]  # rendered exactly once each
    _assert_all_done_once(ids)

"""Test settings: the same code paths as production, faster password hashing."""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
DEMO = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".test-media")  # a worker process is told the test's
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(MEDIA_ROOT)}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME", default="")} if env("TEST_SQLITE_NAME", default="") else {}

# Tasks run in-process in tests even where REDIS_URL is set (the PostgreSQL + Redis pass of .ci/run); the tests
# marked `worker` switch this off and run a real Celery worker against Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=True)

# Certificate signing: keys made once per test session by tests/certificates/test_pdf.py (signing_setup).
CERT_SIGNING_DIR = BASE_DIR / ".test-signing"

"""Deployment files and production settings.

docker-compose.yml and the Dockerfile are checked against the settings code (the variable names are read from
config/settings/*.py, so the two cannot drift apart silently), and the production settings are started for
real in subprocesses: `check --deploy` must be clean, a missing SECRET_KEY must stop them, DEBUG is off.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "config" / "settings"
PRODUCTION = "config.settings.production"

# env("NAME", ...), env.bool("NAME", ...), env.int(...), env.list(...), env.db(...) and friends.
ENV_CALL = re.compile(r"""\benv(?:\.[a-z_]+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# Read by Django itself, not through env() in the settings.
READ_OUTSIDE_SETTINGS = {"DJANGO_SETTINGS_MODULE"}
# What the compose services must pass to the app (base.py / production.py read each of them).
REQUIRED_APP_ENV = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "STORAGE_BUCKET",
    "STORAGE_ENDPOINT_URL",
    "STORAGE_ACCESS_KEY",
    "STORAGE_SECRET_KEY",
    "STORAGE_REGION",
    "AXES_PROXY_COUNT",
}
APP_SERVICES = ("web", "worker", "beat")


def settings_env_names() -> set[str]:
    names: set[str] = set()
    for path in SETTINGS_DIR.glob("*.py"):
        names |= set(ENV_CALL.findall(path.read_text(encoding="utf-8")))
    return names


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose-style ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err} against `env` (default: empty)."""
    env = env or {}

    def sub(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        if name in env and (env[name] or op in ("-", "?")):
            return env[name]
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            return f"<required:{name}>"
        return ""

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}", sub, value)


def command_text(service: dict) -> str:
    cmd = service.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def service_env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


# conftest.py sets this for Playwright; a deployment must not (check --deploy reports async.E001).
TEST_ONLY_ENV = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without anything the settings read (so no server is needed), plus overrides."""
    drop = settings_env_names() | READ_OUTSIDE_SETTINGS | TEST_ONLY_ENV
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(overrides)
    return env


def run_python(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def dotenv_sets(name: str) -> bool:
    """base.py reads a local .env (never committed) for variables the environment lacks."""
    dotenv = ROOT / ".env"
    return dotenv.exists() and re.search(rf"^\s*(export\s+)?{name}\s*=", dotenv.read_text(), re.M) is not None


def random_secret_key() -> str:
    return secrets.token_urlsafe(45)[:60]


# --- docker-compose.yml -------------------------------------------------------------------------------------


def test_settings_regex_finds_the_known_names():
    names = settings_env_names()
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "STORAGE_BUCKET"} <= names


def test_compose_has_the_services(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker"):
        assert name in services, f"docker-compose.yml has no {name} service"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "healthcheck" in services["postgres"]


def test_web_publishes_8000_and_runs_gunicorn(compose):
    web = compose["services"]["web"]
    published = []
    for port in web.get("ports", []):
        if isinstance(port, dict):
            published.append(int(port["target"]))
        else:
            published.append(int(str(port).rsplit(":", 1)[-1].split("/")[0]))
    assert 8000 in published
    cmd = command_text(web)
    assert "gunicorn" in cmd and "config.wsgi:application" in cmd
    assert "0.0.0.0:8000" in cmd
    assert "migrate" in cmd
    deps = web["depends_on"]
    assert deps["postgres"]["condition"] == "service_healthy"
    assert "redis" in deps


def test_worker_and_beat_run_celery(compose):
    services = compose["services"]
    worker = shlex.split(command_text(services["worker"]))
    assert worker[:3] == ["celery", "-A", "config"] and "worker" in worker
    if "beat" in services:
        beat = shlex.split(command_text(services["beat"]))
        assert beat[:3] == ["celery", "-A", "config"] and "beat" in beat


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_environment(compose, name):
    services = compose["services"]
    if name not in services:
        assert name == "beat", f"docker-compose.yml has no {name} service"
        pytest.skip("no beat service")
    env = service_env(services[name])
    assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION

    pg_env = {k: interpolate(v) for k, v in service_env(services["postgres"]).items()}
    db = urlparse(interpolate(env["DATABASE_URL"]))
    assert db.scheme in ("postgres", "postgresql", "pgsql")
    assert db.hostname == "postgres" and (db.port or 5432) == 5432
    assert db.username == pg_env["POSTGRES_USER"]
    assert db.password == pg_env["POSTGRES_PASSWORD"]
    assert db.path.lstrip("/") == pg_env["POSTGRES_DB"]
    # The same variables feed both sides: a changed password moves both.
    assert interpolate(env["DATABASE_URL"], {"POSTGRES_PASSWORD": "s3cret"}) != interpolate(env["DATABASE_URL"])

    redis = urlparse(interpolate(env["REDIS_URL"]))
    assert redis.scheme == "redis" and redis.hostname == "redis"

    # Never a key in the file: it must come from the environment, and compose refuses to start without it.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", env["SECRET_KEY"]), env["SECRET_KEY"]
    assert interpolate(env["DEBUG"]).lower() in ("false", "0", "off", "no")
    assert interpolate(env["SECURE_SSL_REDIRECT"]).lower() == "false"
    assert interpolate(env["SECURE_SSL_REDIRECT"], {"SECURE_SSL_REDIRECT": "true"}) == "true"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_sets_only_variables_the_settings_read(compose, name):
    if name not in compose["services"]:
        pytest.skip(f"no {name} service")
    env = set(service_env(compose["services"][name]))
    unknown = env - settings_env_names() - READ_OUTSIDE_SETTINGS
    assert not unknown, f"{name} sets variables no settings module reads: {sorted(unknown)}"
    missing = REQUIRED_APP_ENV - env
    assert not missing, f"{name} does not set {sorted(missing)}"
    # ...and every variable required here is one the settings read (guards REQUIRED_APP_ENV itself).
    assert REQUIRED_APP_ENV - READ_OUTSIDE_SETTINGS <= settings_env_names()


def test_app_services_share_one_environment(compose):
    services = compose["services"]
    envs = [service_env(services[n]) for n in APP_SERVICES if n in services]
    assert all(e == envs[0] for e in envs)


# --- Dockerfile ---------------------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile_system_packages(dockerfile):
    runs = " ".join(rest for kw, rest in dockerfile_instructions(dockerfile) if kw == "RUN")
    assert "apt-get install" in runs
    assert re.search(r"\bfonts-(noto-cjk|wqy-\w+)\b", runs), "no CJK font package installed"
    assert "libpango-1.0-0" in runs and "libpangoft2-1.0-0" in runs


def test_dockerfile_runs_gunicorn_as_non_root(dockerfile):
    instructions = dockerfile_instructions(dockerfile)
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    final = [rest for kw, rest in instructions if kw in ("CMD", "ENTRYPOINT")]
    assert final, "Dockerfile has no CMD"
    cmd = final[-1]
    words = json.loads(cmd) if cmd.startswith("[") else shlex.split(cmd)
    assert words[0] == "gunicorn" and "config.wsgi:application" in words
    users = [rest for kw, rest in instructions if kw == "USER"]
    assert users and users[-1] not in ("root", "0")
    envs = " ".join(rest for kw, rest in instructions if kw == "ENV")
    assert f"DJANGO_SETTINGS_MODULE={PRODUCTION}" in envs
    # The build-time key is given to the collectstatic RUN line only, never baked into the image env.
    assert "SECRET_KEY" not in envs


def collectstatic_ignores(dockerfile: str) -> list[str]:
    runs = [rest for kw, rest in dockerfile_instructions(dockerfile) if kw == "RUN" and "collectstatic" in rest]
    assert len(runs) == 1, "the Dockerfile must run collectstatic once at build time"
    words = shlex.split(runs[0])
    assert "--noinput" in words
    ignores = []
    for i, word in enumerate(words):
        if word in ("-i", "--ignore"):
            ignores.append(words[i + 1])
        elif word.startswith("--ignore="):
            ignores.append(word.split("=", 1)[1])
    return ignores


def test_build_time_collectstatic_post_processes(dockerfile, tmp_path):
    """The Dockerfile's collectstatic, with production settings, must get through the manifest's URL rewriting.

    The hashing step is what fails on a CSS file pointing at a missing file; it is run here with Django's
    ManifestStaticFilesStorage (whitenoise's compression step on top of it takes minutes and cannot fail that way).
    """
    script = (
        "import sys, django\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "assert settings.STORAGES['staticfiles']['BACKEND'].endswith('ManifestStaticFilesStorage')\n"
        "settings.STATIC_ROOT = sys.argv[1]\n"
        "settings.STORAGES = {**settings.STORAGES, 'staticfiles': "
        "{'BACKEND': 'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}}\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0, ignore_patterns=sys.argv[2:])\n"
    )
    env = clean_env(DJANGO_SETTINGS_MODULE=PRODUCTION, SECRET_KEY=random_secret_key())
    result = run_python(["-c", script, str(tmp_path), *collectstatic_ignores(dockerfile)], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles.json").exists()


# --- production settings ------------------------------------------------------------------------------------


def test_check_deploy_is_clean():
    env = clean_env(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="zc.example.gov.cn",
    )
    if dotenv_sets("DEBUG"):
        pytest.skip(".env sets DEBUG")
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    print(result.stdout)
    print(result.stderr, file=sys.stderr)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("secret_key", [None, "", "dev-insecure-secret-key-change-me-in-production-0123456789"])
def test_production_refuses_to_start_without_secret_key(secret_key):
    if secret_key is None and dotenv_sets("SECRET_KEY"):
        pytest.skip(".env sets SECRET_KEY")
    env = clean_env(DJANGO_SETTINGS_MODULE=PRODUCTION)
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    result = run_python(["-c", "from django.conf import settings; print(settings.DEBUG)"], env)
    assert result.returncode != 0, result.stdout
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize("debug", [None, "false"])
def test_production_debug_is_off_by_default(debug):
    if debug is None and dotenv_sets("DEBUG"):
        pytest.skip(".env sets DEBUG")
    env = clean_env(DJANGO_SETTINGS_MODULE=PRODUCTION, SECRET_KEY=random_secret_key())
    if debug is not None:
        env["DEBUG"] = debug
    result = run_python(["-c", "from django.conf import settings; print(settings.DEBUG)"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_treats_empty_storage_variables_as_unset():
    """Compose passes an unset STORAGE_* as "": boto3 would reject "" as endpoint or region."""
    env = clean_env(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=random_secret_key(),
        STORAGE_BUCKET="zc-files",
        STORAGE_ENDPOINT_URL="",
        STORAGE_ACCESS_KEY="",
        STORAGE_SECRET_KEY="",
        STORAGE_REGION="",
    )
    script = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"
    result = run_python(["-c", script], env)
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout)
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "zc-files"
    for key in ("endpoint_url", "access_key", "secret_key", "region_name"):
        assert options[key] is None, key

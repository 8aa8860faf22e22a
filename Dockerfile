# Production image: Django + gunicorn, also used for the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

# WeasyPrint (PDF certificates) needs Pango/HarfBuzz at run time; fonts-noto-cjk supplies the Chinese glyphs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-noto-cjk \
        fonts-hanazono \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (pyproject.toml only) so code changes don't reinstall them.
# `[tool.setuptools] packages = []`: this installs the dependencies; the code itself runs from /app.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && rm -rf build *.egg-info

COPY . .

# Static files are collected into the image (whitenoise serves them). The key below exists only for this
# RUN line, so the production settings import; it is not in the image's environment.
# viewflow's own frontend (~50 MB, unused: we have our own templates) is left out by
# config.staticfinders.ProjectAppDirectoriesFinder.
RUN SECRET_KEY=collectstatic-build-time-only-not-a-real-secret-0123456789abcdef \
    python manage.py collectstatic --noinput

# Non-root user; the code stays root-owned and read-only to it. Only media (local-disk uploads when no
# STORAGE_BUCKET is set) is writable.
RUN useradd --create-home --uid 1000 --user-group app \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

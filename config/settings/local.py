"""Development / `make run`: embedded SQLite, eager Celery, demo logins allowed."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
DEMO = env.bool("DEMO", default=True)

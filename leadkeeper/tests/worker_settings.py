"""Settings of the worker process the fault harness kills: the test's own database, and
the real database task backend (the test process enqueues into the same tables)."""

import os

from leadkeeper.settings_test import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["LEADKEEPER_WORKER_DB"]  # noqa: F405
DATABASES["default"].pop("TEST", None)  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

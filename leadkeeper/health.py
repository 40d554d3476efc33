"""/healthz: can we read, can we write, is there room to write (issue 14, item 7).

A database that answers SELECT but refuses writes (read-only, full disk) would accept
visitors and lose their leads; a load balancer must take such a node out, so it is a 503.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from .models import RateLimitCounter


class _ProbeRolledBack(Exception):
    """Raised inside the write probe so its row never commits."""


def _readable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _writable() -> bool:
    """Insert a row and roll it back: read-only databases and full disks fail here."""
    try:
        with transaction.atomic():
            RateLimitCounter.objects.create(key="healthz:write-probe", window_start=timezone.now())
            raise _ProbeRolledBack
    except _ProbeRolledBack:
        return True
    except DatabaseError:
        return False


def _disk_free_bytes() -> int | None:
    """Free space where SQLite keeps its file (PostgreSQL's disk is the server's to watch;
    the write probe still catches it full)."""
    if connection.vendor != "sqlite":
        return None
    folder = Path(str(settings.DATABASES["default"]["NAME"])).parent
    return shutil.disk_usage(folder if folder.exists() else settings.BASE_DIR).free


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database reads and writes and the disk has room, 503 otherwise."""
    if not _readable():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    body: dict[str, object] = {"status": "ok", "database": "ok", "writable": _writable()}
    free = _disk_free_bytes()
    if free is not None:
        body["disk_free_mb"] = free // 2**20
        body["disk"] = "low" if free < settings.HEALTH_MIN_FREE_BYTES else "ok"
    if not body["writable"]:
        body.update(status="unavailable", database="read-only or full")
    elif body.get("disk") == "low":
        body["status"] = "unavailable"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)

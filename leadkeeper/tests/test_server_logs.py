"""The Kommo webhook's secret never reaches a log line, under gunicorn or runserver.

Kommo configures webhooks by URL only, so the secret is a path segment (issue 15): these
start the real servers as subprocesses on 127.0.0.1 with the repository's configuration
(Procfile.serve's gunicorn config; runserver as Procfile runs it), hit the hook, and read
every line they wrote.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from .live_servers import web_command

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path, secret: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "leadkeeper.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/logs.sqlite3",
        "SECRET_KEY": "log-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "KOMMO_WEBHOOK_SECRET": secret,
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
    }


def _wait_until_up(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)  # a real process starting: there is no clock to move
    raise AssertionError("the server did not start within 30 s")


def _hit_the_hook(base: str, secret: str) -> list[int]:
    hook = f"{base}/hooks/kommo/{secret}/"
    # A valid hook that announces nothing (no Kommo call), a GET, a wrong secret, a bad body.
    body = {"account[id]": "31000000", "account[subdomain]": "kommoexpert"}
    with httpx.Client(timeout=60) as client:  # a loaded machine: the first request loads the app
        return [
            client.post(hook, data=body).status_code,
            client.get(hook).status_code,
            client.post(f"{base}/hooks/kommo/{secret}x/", data=body).status_code,
            client.put(hook, content=b"x").status_code,
        ]


@pytest.mark.parametrize("server", ["gunicorn", "runserver"])
def test_the_webhook_secret_is_in_no_log_line(server, tmp_path):
    secret = secrets.token_urlsafe(24)
    port = _free_port()
    env = _env(tmp_path, secret)
    # The hook stores its body before answering (crm inbox, issue 9): the tables must exist.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    command = web_command(server, port, workers=1)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(port, proc, log)
            statuses = _hit_the_hook(f"http://127.0.0.1:{port}", secret)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)

    assert statuses == [200, 405, 404, 405]
    text = log.read_text()
    assert "/hooks/kommo/[MASKED]/" in text  # the requests were logged, masked
    leaked = [line for line in text.splitlines() if secret in line or secret[:12] in line]
    assert leaked == []

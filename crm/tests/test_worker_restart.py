"""Issue 9's "done when", with real processes: nothing is lost or doubled when one dies.

gunicorn (as Procfile.serve starts it), the scheduler (`manage.py run_scheduler`) and the
worker (`manage.py db_worker`) run on a fresh database of the suite's kind against the
local Kommo double (leadkeeper/tests/live_servers.py). The scheduler wakes
crm.deliver_outbox and crm.apply_webhooks each second while they have work (crm/schedule.py),
as in production; nothing here calls a task itself.
"""

from urllib.parse import urlencode

import httpx
import pytest

from leadkeeper.tests.live_servers import (
    execute,
    fresh_database,
    migrate,
    query,
    scheduler,
    server_env,
    wait_for,
    web,
    worker,
)

from .kommo_double import KommoDouble

pytestmark = pytest.mark.slow

SECRET = "worker-restart-hook-secret-0123456789"
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
COMPLEX = "/api/v4/leads/complex"


@pytest.fixture
def kommo():
    double = KommoDouble(token="restart-token", rate_limit=None).start()
    yield double
    double.stop()


@pytest.fixture
def stack(tmp_path, kommo):
    """A migrated database and the environment every process of the site runs with."""
    with fresh_database(tmp_path) as url:
        env = server_env(
            url,
            KOMMO_BASE_URL=kommo.url,
            KOMMO_ACCESS_TOKEN=kommo.token,
            KOMMO_MODE="complex",
            KOMMO_REQUESTS_PER_SECOND="50",
            KOMMO_WEBHOOK_SECRET=SECRET,
            LEAD_RATE_LIMIT="100000/m",
            WEBHOOK_RATE_LIMIT="100000/m",
        )
        migrate(env)
        started = []
        yield url, env, started
        for process in started:
            process.stop()


def submit(base: str, n: int) -> int:
    body = {"name": f"Restart Person {n}", "phone": f"+7916555{n:04d}", "consent": True}
    response = httpx.post(
        f"{base}/api/v1/leads", json=body, headers={"User-Agent": BROWSER}, timeout=60
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def lead_ids(url: str) -> list[int]:
    return [pk for (pk,) in query(url, "SELECT id FROM capture_lead ORDER BY id")]


def undelivered(url: str) -> int:
    sql = "SELECT count(*) FROM crm_outboxmessage WHERE kind = 'crm.lead' AND state <> 'delivered'"
    return query(url, sql)[0][0]


def test_a_lead_answered_201_is_kept_when_the_web_process_is_killed_at_once(stack, tmp_path):
    url, env, _ = stack
    site = web("gunicorn", env, tmp_path / "web.log", workers=1)
    submit(site.url, 1)
    site.kill()  # SIGKILL to gunicorn and its worker the moment the 201 arrived

    (lead,) = lead_ids(url)
    assert undelivered(url) == 1  # its outbox row: Kommo will get it (next test)
    assert query(url, "SELECT count(*) FROM consent_consentrecord")[0][0] == 1
    assert lead > 0


def test_a_lead_submitted_while_the_worker_is_down_reaches_kommo_once_after_it_starts(
    stack, tmp_path, kommo
):
    url, env, started = stack
    started.append(scheduler(env, tmp_path / "scheduler.log"))
    site = web("gunicorn", env, tmp_path / "web.log")
    started.append(site)
    for n in range(3):
        submit(site.url, n)
    leads = lead_ids(url)
    # The scheduler wakes the delivery job each second; with no worker, it waits queued.
    wait_for(lambda: query(url, _queued("deliver_due_outbox"))[0][0] == 1, timeout=20)
    assert undelivered(url) == 3
    assert not any(kommo.markers().get(f"lk-{pk}") for pk in leads)

    started.append(worker(env, tmp_path / "worker.log"))
    wait_for(lambda: undelivered(url) == 0, timeout=60)
    markers = kommo.markers()
    assert [markers.get(f"lk-{pk}", 0) for pk in leads] == [1, 1, 1]


def _queued(task: str) -> str:
    return (
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "  # noqa: S608
        f"WHERE status = 'READY' AND task_path LIKE '%{task}'"
    )


def _bulk_won_hook(kommo_ids: list[int]) -> bytes:
    data = {"account[id]": "31000000", "account[subdomain]": "kommoexpert"}
    for i, kommo_id in enumerate(kommo_ids):
        data |= {
            f"leads[status][{i}][id]": str(kommo_id),
            f"leads[status][{i}][status_id]": "142",
            f"leads[status][{i}][old_status_id]": "1001",
        }
    return urlencode(data).encode()


def test_a_stored_webhook_is_applied_once_after_the_worker_is_killed_while_applying(
    stack, tmp_path, kommo
):
    url, env, started = stack
    started.append(scheduler(env, tmp_path / "scheduler.log"))
    site = web("gunicorn", env, tmp_path / "web.log")
    started.append(site)
    first = worker(env, tmp_path / "worker.log")
    for n in range(12):
        submit(site.url, 100 + n)
    wait_for(lambda: undelivered(url) == 0, timeout=60)
    kommo_ids = [k for (k,) in query(url, "SELECT kommo_lead_id FROM capture_lead ORDER BY id")]
    for kommo_id in kommo_ids:
        kommo.set_status(kommo_id, 142)  # won in Kommo; the hook announces it

    kommo.delay = 0.3  # each read-back is slow, so the kill lands mid-hook
    reads_before = _read_backs(kommo)
    hook = httpx.post(
        f"{site.url}/hooks/kommo/{SECRET}/",
        content=_bulk_won_hook(kommo_ids),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    assert hook.status_code == 200
    wait_for(lambda: _read_backs(kommo) >= reads_before + 3, timeout=30)
    first.kill()
    assert _won(url) < 12  # killed mid-hook
    assert query(url, "SELECT count(*) FROM crm_kommoinbox")[0][0] == 1  # still waiting

    # What time does for a dead worker: its lease on the row runs out (LEASE is 5 minutes).
    execute(url, "UPDATE crm_kommoinbox SET claimed_until = NULL")
    kommo.delay = 0.0
    started.append(worker(env, tmp_path / "worker2.log"))
    wait_for(lambda: query(url, "SELECT count(*) FROM crm_kommoinbox")[0][0] == 0, timeout=60)

    assert _won(url) == 12
    # Each change is recorded once, whichever run applied it (KommoEvent digests).
    events = query(url, "SELECT count(*), count(DISTINCT digest) FROM crm_kommoevent")
    assert events[0][0] == events[0][1] == 12


def _read_backs(kommo: KommoDouble) -> int:
    return sum(
        1 for r in kommo.received if r.method == "GET" and r.path.startswith("/api/v4/leads/")
    )


def _won(url: str) -> int:
    return query(url, "SELECT count(*) FROM capture_lead WHERE crm_status = 'won'")[0][0]

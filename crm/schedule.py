from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .selectors import outbox_has_due_rows
from .tasks import apply_kommo_webhooks, deliver_due_outbox, poll_kommo_changes
from .webhook_inbox import inbox_has_work

JOBS = [
    # The outbox is the delivery queue: submit to Kommo within about a second, and the
    # sweeper of rows a crashed worker left (issue 9). Woken only while a row is due.
    PeriodicJob(
        name="crm.deliver_outbox",
        task=deliver_due_outbox,
        every=timedelta(seconds=1),
        when=outbox_has_due_rows,
    ),
    # Kommo's webhooks, stored by the endpoint in one INSERT, applied here (issue 9).
    PeriodicJob(
        name="crm.apply_webhooks",
        task=apply_kommo_webhooks,
        every=timedelta(seconds=1),
        when=inbox_has_work,
    ),
    PeriodicJob(name="crm.poll_kommo", task=poll_kommo_changes, every=timedelta(minutes=5)),
]

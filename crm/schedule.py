from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .selectors import outbox_has_due_rows
from .tasks import deliver_due_outbox, poll_kommo_changes

JOBS = [
    # The outbox is the delivery queue: submit to Kommo within about a second, and the
    # sweeper of rows a crashed worker left (issue 9). Woken only while a row is due.
    PeriodicJob(
        name="crm.deliver_outbox",
        task=deliver_due_outbox,
        every=timedelta(seconds=1),
        when=outbox_has_due_rows,
    ),
    PeriodicJob(name="crm.poll_kommo", task=poll_kommo_changes, every=timedelta(minutes=5)),
]

from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .selectors import recipient_actions_due
from .tasks import execute_recipient_actions, sweep_expired

JOBS = [
    # Daily: the promise is that nothing outlives its period by more than a day (issue 11);
    # the desk warns when anything is overdue by more than that.
    PeriodicJob(name="retention.sweep", task=sweep_expired, every=timedelta(days=1)),
    # The recipients' copies follow ours within minutes; woken only while an action is due.
    PeriodicJob(
        name="retention.recipient_actions",
        task=execute_recipient_actions,
        every=timedelta(minutes=1),
        when=recipient_actions_due,
    ),
]

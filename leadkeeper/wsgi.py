"""The WSGI application, for gunicorn (Procfile.serve) and runserver (WSGI_APPLICATION).

runserver leaves SIGTERM at the default, which ends the process at once: `make run`
stopped by honcho (Ctrl-C sends SIGTERM to every process) would skip the collector's
flush (analytics/buffer.py). Turned into a normal exit, SIGTERM runs atexit like Ctrl-C
does. gunicorn's worker has set its own handler before it imports this module, and its
worker_exit hook flushes (leadkeeper/gunicorn_conf.py), so there this does nothing.
"""

import os
import signal
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadkeeper.settings")
application = get_wsgi_application()


def _exit_normally(signum: int, frame: object) -> None:
    raise SystemExit(0)


if (
    threading.current_thread() is threading.main_thread()
    and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
):
    signal.signal(signal.SIGTERM, _exit_normally)

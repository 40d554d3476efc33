"""gunicorn's settings for `Procfile.serve` (`gunicorn -c python:leadkeeper.gunicorn_conf`).

Every line gunicorn writes goes through the same redaction as Django's logs: the access log
prints request paths, and the Kommo webhook's path carries its secret (issue 15); gunicorn's
error log names the path of a request that failed. Personal data (an IP, a phone in a query
string) is masked the same way (STYLE §8).

A worker that stops gracefully writes the collector's buffered page views first
(analytics/buffer.py): worker_int and worker_exit below.
"""

import sys

from gunicorn.glogging import Logger

from leadkeeper.logging import RedactPersonalData

accesslog = "-"
errorlog = "-"
# Method, path (without the query string), status, seconds: no address, no user agent.
access_log_format = "%(m)s %(U)s %(s)s %(L)ss"
# No control socket: it lives at one path per user, which two servers on a host share.
control_socket_disable = True


class RedactingLogger(Logger):
    """gunicorn's logger with the redaction filter on every handler it writes through."""

    def setup(self, cfg: object) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                # Renders the line (access lines are formatted from a dict of atoms), then
                # redacts the text.
                handler.addFilter(RedactPersonalData())


logger_class = RedactingLogger


def _flush_the_collector() -> None:
    # Only a worker that loaded the app has a buffer; importing it here in one that failed
    # to load would fail again and hide the first error.
    buffer = sys.modules.get("analytics.buffer")
    if buffer is not None:
        buffer.BUFFER.stop()


def worker_int(worker: object) -> None:
    """SIGINT / SIGQUIT (a quick stop): the buffered page views are written first."""
    _flush_the_collector()


def worker_exit(server: object, worker: object) -> None:
    """Every worker exit that runs Python (SIGTERM, recycling, max_requests) flushes."""
    _flush_the_collector()

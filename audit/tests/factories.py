from django.test import Client

from audit.reads import SESSION_KEY


def give_read_reason(client: Client, reason: str = "answering a call-back request") -> None:
    """What the once-per-session reason form stores, for a client already logged in."""
    session = client.session
    session[SESSION_KEY] = {"reason": reason, "at": "2026-11-26T12:00:00+00:00"}
    session.save()

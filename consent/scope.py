"""The consent id of the request being served, so proof written deep inside a service
(the contact form's consent) carries the same id as the visitor's banner choices.

ConsentMiddleware opens a scope per request; outside a request there is none.
"""

import contextvars
import uuid
from dataclasses import dataclass


@dataclass
class ConsentScope:
    consent_id: uuid.UUID
    from_cookie: bool  # False: a fresh id the browser does not hold yet
    used: bool = False  # a record was written under this id during the request


_current: contextvars.ContextVar[ConsentScope | None] = contextvars.ContextVar(
    "consent_scope", default=None
)


def current_scope() -> ConsentScope | None:
    return _current.get()


def enter_scope(scope: ConsentScope) -> contextvars.Token:
    return _current.set(scope)


def leave_scope(token: contextvars.Token) -> None:
    _current.reset(token)


def consent_id_for_new_record() -> uuid.UUID:
    scope = current_scope()
    if scope is None:
        return uuid.uuid4()
    scope.used = True
    return scope.consent_id

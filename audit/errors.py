"""Errors of the audit app (STYLE §10): a base never raised, narrow subclasses."""


class AuditError(Exception):
    """Base of the audit app's errors; never raised itself."""


class AuditChainBroken(AuditError):
    """The chain does not verify where an operation needs it to (e.g. before a prune)."""

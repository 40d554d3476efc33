from leadkeeper.errors import DomainError


class SubjectError(DomainError):
    """Base of the subjects app's errors; never raised itself."""


class SubjectsNotMergeable(SubjectError):
    """Two subjects cannot be merged: the same one twice, or one already erased."""

    http_status = 409

class RegisterError(Exception):
    """Base of the register's errors; never raised itself."""


class RegisterInvalid(RegisterError):
    """register.toml cannot be read or breaks a rule; the message names the entry."""


class UndeclaredProcessing(RegisterError):
    """Code stores a category, sets a cookie or contacts a host the register does not declare."""

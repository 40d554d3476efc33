from leadkeeper.errors import DomainError


class RegisterError(DomainError):
    """Base of the register's errors; never raised itself."""


class RegisterInvalid(RegisterError):
    """register.toml cannot be read or breaks a rule; the message names the entry."""


class PolicyNotPublished(RegisterError):
    """The register on disk changed and its policy version has not been published yet."""

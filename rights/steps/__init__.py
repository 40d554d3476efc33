"""The steps this app runs itself; each module registers its classes (rights.pipeline)."""

from . import erasure, exports, local, locate  # noqa: F401

"""The steps this app runs, here and at each recipient; each module registers its classes."""

from . import calcom, erasure, exports, google, kommo, local, locate  # noqa: F401

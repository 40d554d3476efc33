"""Settings for benchmarks only: the production settings plus a bare endpoint to compare with."""

from leadkeeper.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

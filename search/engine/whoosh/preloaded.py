"""Imported by the reindex's worker fork server only (:mod:`search.engine.whoosh.forkserver`): importing it
loads what every worker needs, once, before the server forks the first worker."""

import os

# One BLAS thread in every worker (there is a worker per core already), set before numpy loads OpenBLAS here,
# so its thread pool is never started in the process that forks the workers.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

from search.engine.whoosh.forkserver import preload  # noqa: E402 - after the BLAS setting above

preload()

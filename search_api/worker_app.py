"""The application factory ``placeringssok serve`` hands uvicorn: ``create_app`` in a worker process
that ends with its supervisor.

With several workers uvicorn's supervisor starts each worker with multiprocessing. Were the
supervisor killed outright (SIGKILL, the OOM killer), its workers would live on as orphans, still
holding the port: a restarted server could not listen, and the orphans would serve with the old
settings. So a worker asks Linux to send it SIGTERM (uvicorn's graceful shutdown) when its parent
dies; one worker alone is the server process itself and needs nothing.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys

from fastapi import FastAPI

from search_api.app import create_app

log = logging.getLogger("placeringssok")
_PR_SET_PDEATHSIG = 1


def _end_with_supervisor() -> None:
    supervisor = multiprocessing.parent_process()
    if supervisor is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("this worker will not end with its supervisor (prctl failed: errno %d)", ctypes.get_errno())
        return
    if os.getppid() != supervisor.pid:  # the supervisor died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def create_worker_app() -> FastAPI:
    _end_with_supervisor()
    return create_app()

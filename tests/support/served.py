"""``placeringssok serve`` with several worker processes, and connections pinned to a known worker.

Which worker answers a request is the kernel's choice (the workers share one listening socket). A
test that must show "whichever worker answered" opens kept-alive connections and reads, from /proc,
which worker process holds the server's end of each: then it knows the worker of every request.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from scripts.bench_load import descendants, free_port
from tests.conftest import GEOCODING_CACHE


def server_env(data_dir: Path, keys: Mapping[str, object], **extra: str) -> dict[str, str]:
    """A test server's environment: ``data_dir``, these API keys, no geocoder (the fixtures' cache),
    register ids in paths, and ``extra``."""
    return {
        **os.environ,
        "PLACERINGSSOK_DATA_DIR": str(data_dir),
        "PLACERINGSSOK_API_KEYS": json.dumps(keys),
        "PLACERINGSSOK_GEOCODER": "none",
        "PLACERINGSSOK_GEOCODING_CACHE": str(GEOCODING_CACHE),
        "PLACERINGSSOK_OPAQUE_IDS": "false",
        **extra,
    }


def _socket_inodes(pid: int) -> set[int]:
    inodes: set[int] = set()
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in descriptors:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _server_end_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the server's socket of the TCP connection from ``client_port`` (/proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], int(fields[9])
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port and inode:
            return inode
    return None


@dataclass
class Pinned:
    """A kept-alive HTTP connection and the worker process that answers on it."""

    connection: http.client.HTTPConnection
    worker: int

    def request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        sent = {"Content-Type": "application/json", **(headers or {})}
        self.connection.request(method, path, json.dumps(body) if body is not None else None, sent)
        answer = self.connection.getresponse()
        data = answer.read()
        response_headers = {k.lower(): v for k, v in answer.getheaders()}
        return answer.status, response_headers, json.loads(data) if data else None


class Workers:
    """``placeringssok serve --workers N`` on a free port with ``env``; ready when entered."""

    def __init__(self, env: Mapping[str, str], workers: int = 2, *, flag: bool = True) -> None:
        """``workers`` is what the server should start; ``flag=False`` leaves it to the environment."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "indexer", "serve", "--port", str(self.port)]
        self.command = [*command, "--workers", str(workers)] if flag else command
        self.env = {**os.environ, **env}
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self._pinned: list[Pinned] = []

    def __enter__(self) -> Workers:
        # Its own process group: the workers go with the supervisor whatever signal ends it.
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while len(self.worker_pids()) < self.workers or not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("placeringssok serve did not start its workers; run it by hand to see why")
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.base}/readyz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def __exit__(self, *exc: object) -> None:
        for pinned in self._pinned:
            pinned.connection.close()
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        # Whatever is left of its process group (workers a failed test orphaned): never outlive the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=30)

    def worker_pids(self) -> list[int]:
        """The processes under the supervisor that listen on the server's port (its workers)."""
        assert self.process is not None
        return [pid for pid in descendants(self.process.pid) if _socket_inodes(pid)]

    def pin(self, source_address: str = "127.0.0.1") -> Pinned:
        """A new connection (from ``source_address``, any 127.x address) and the worker that took it."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(source_address, 0))
        connection.connect()
        assert connection.sock is not None
        client_port = connection.sock.getsockname()[1]
        pinned = Pinned(connection, 0)
        pinned.request("GET", "/healthz")  # answered only once a worker accepted it
        inode = _server_end_inode(self.port, client_port)
        owner = [pid for pid in self.worker_pids() if inode in _socket_inodes(pid)]
        assert inode is not None and len(owner) == 1, "the connection's worker could not be found in /proc"
        pinned.worker = owner[0]
        self._pinned.append(pinned)
        return pinned

    def one_per_worker(self, source_address: str = "127.0.0.1", attempts: int = 200) -> list[Pinned]:
        """A connection to each worker: new connections until every worker holds one."""
        found: dict[int, Pinned] = {}
        for _ in range(attempts):
            pinned = self.pin(source_address)
            found.setdefault(pinned.worker, pinned)
            if len(found) == self.workers:
                return list(found.values())
        raise AssertionError(f"{attempts} connections all went to workers {sorted(found)}")

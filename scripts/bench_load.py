"""What the search benchmarks share: generated indexes, the caseworker mix, a server, and wrk.

Bench data lives outside the repository by default (``$PLACERINGSSOK_BENCH_DATA``, else
``/work/bench-data`` when it exists, else ``bench-data/``, which git ignores). The load generator is
Debian's ``wrk`` (installed with apt when missing) with a Lua script that rotates POST bodies, so the
client is never the bottleneck; /healthz is measured by the same tool in the same run.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.geography import municipalities  # noqa: E402
from core.vocabularies import Method, ProviderType, TargetGroup  # noqa: E402
from scripts.bench_data import bench_root, generated_providers  # noqa: E402

BENCH_KEY = "bench-caseworker-key"
SEARCH_PATH = "/v1/providers/search"
TEXTS = [
    "självskadebeteende",
    "missbruk ungdomar",
    "flickor trauma",
    "DBT",
    "ensamkommande pojkar",
    "hedersrelaterat våld",
    '"lågaffektivt bemötande"',
    "ätstörning",
    "missbrk",
    "gängkriminalitet",
]


def query_mix(count: int, schools: list[str], seed: int = 11) -> list[dict[str, Any]]:
    """A caseworker's searches: school radius with needs, free text, facet selections, every sort,
    minimum distances with exclusion zones."""
    rng = random.Random(seed)
    codes = sorted(municipalities())
    mix: list[dict[str, Any]] = []
    for i in range(count):
        kind = i % 5
        c: dict[str, Any] = {"size": 20}
        if kind in (0, 1, 2):
            c["school"] = rng.choice(schools)
            c["max_km"] = rng.choice([20, 40, 80, 150, 300])
        if kind == 0:
            c |= {"needs": [rng.choice(list(TargetGroup))], "age": rng.randint(12, 18), "gender": "flickor"}
            c["has_vacancy"] = rng.random() < 0.5
        if kind == 1:
            c["q"] = rng.choice(TEXTS)
        if kind == 2:
            c["target_groups"] = rng.sample([str(t) for t in TargetGroup], 2)
            c["methods"] = [str(rng.choice(list(Method)))]
            c["sort"] = rng.choice(["distance", "price", "vacancies_updated"])
        if kind == 3:
            c |= {"municipality_code": rng.choice(codes), "min_km": 150}
            c["exclude"] = [{"county_code": rng.choice(codes)[:2]}, {"municipality_code": rng.choice(codes)}]
            c["provider_types"] = rng.sample([str(t) for t in ProviderType], 3)
        if kind == 4:
            c |= {"q": rng.choice(TEXTS), "county_codes": [rng.choice(codes)[:2]], "page": rng.randint(1, 3)}
        mix.append(c)
    return mix


def server_env(data_dir: Path, backend: str = "embedded") -> dict[str, str]:
    env = os.environ | {"PLACERINGSSOK_DATA_DIR": str(data_dir), "PLACERINGSSOK_BACKEND": backend}
    env |= {
        "PLACERINGSSOK_GEOCODER": "none",
        "PLACERINGSSOK_API_KEYS": json.dumps({BENCH_KEY: {"role": "caseworker", "name": "bench"}}),
    }
    # Register ids in paths (the bench looks providers up by them), and no rate limits: they would
    # measure the limiter, not the search.
    env |= {"PLACERINGSSOK_OPAQUE_IDS": "false"}
    env |= {f"PLACERINGSSOK_RATE_LIMIT_{name}": "" for name in ("PER_ADDRESS", "PER_KEY", "FAILED_AUTH")}
    return env


@dataclass(frozen=True)
class Built:
    """A reindex the bench ran: its wall time and the peak RSS of its process."""

    seconds: float
    peak_mb: float


def ensure_index(count: int, backend: str = "embedded", rebuild: bool = False) -> tuple[Path, Built | None]:
    """The data dir with ``count`` generated providers indexed; the reindex figures if it ran now."""
    source = generated_providers(count)
    data_dir = bench_root() / f"var-{backend}-n{count}"
    env = server_env(data_dir, backend)
    if backend == "elasticsearch":
        env["PLACERINGSSOK_ELASTICSEARCH_INDEX"] = f"bench-providers-n{count}"
    # The layout tag: an index from an older layout in the same folder is rebuilt, not misread.
    marker = data_dir / f".indexed-{backend}-columns-v2"
    if not rebuild and marker.exists():
        return data_dir, None
    cli = [sys.executable, "-m", "indexer"]
    subprocess.run([*cli, "load-schools", "--source", str(ROOT / "fixtures/schools.jsonl")], env=env, check=True)
    print(f"indexing {count} providers into the {backend} backend ...", flush=True)
    started = time.perf_counter()
    child = subprocess.Popen([*cli, "reindex", "--source", str(source)], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the reindex of {count} providers failed")
    built = Built(time.perf_counter() - started, usage.ru_maxrss / 1024)
    print(f"indexed in {built.seconds:.1f} s, peak RSS {built.peak_mb:.0f} MB", flush=True)
    marker.touch()
    return data_dir, built


def schools_of(data_dir: Path) -> list[str]:
    return [s["code"] for s in json.loads((data_dir / "schools.json").read_text(encoding="utf-8"))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def descendants(pid: int) -> list[int]:
    """The processes started under ``pid`` (a server's workers), children first."""
    found: list[int] = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        found += [child, *descendants(child)]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far (/proc/<pid>/stat)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """A process's resident memory and, of it, the part in files it maps (the index's shared pages)."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)

    def kb(name: str) -> float:
        return float(status.get(name, "0 kB").split()[0])

    return kb("VmRSS") / 1024, kb("RssFile") / 1024


@dataclass(frozen=True)
class Measured:
    """One wrk run and the server's CPU time over it (the supervisor and every worker)."""

    load: Load
    cpu_s: float

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_s * 1000 / max(1, self.load.requests)

    @property
    def cores(self) -> float:
        return self.cpu_s / self.load.seconds


class Server:
    """``placeringssok serve`` on a free port, ready when entered; as it ships (one worker per core)
    unless ``workers`` is given."""

    def __init__(
        self, data_dir: Path, workers: int | None = None, backend: str = "embedded", env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._command = [sys.executable, "-m", "indexer", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self._command += ["--workers", str(workers)] if workers else []
        self._env = server_env(data_dir, backend) | (env or {})
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        # The server's log, to count the workers that finished starting (and to read when it fails).
        self._log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)
        self._process = subprocess.Popen(
            self._command, env=self._env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 600
        while not self._all_workers_started():
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise SystemExit(f"the server did not become ready; its log: {self._log.name}")
            time.sleep(0.3)
        try:
            if httpx.get(f"{self.base}/readyz", timeout=30).status_code == 200:
                return self
        except httpx.TransportError:
            pass
        raise SystemExit(f"the server started but is not ready; its log: {self._log.name}")

    def _all_workers_started(self) -> bool:
        # /readyz answers as soon as one worker is up; at a million providers the others may still be
        # opening the index. Each worker logs this line once its startup (the index open) is done.
        started = Path(self._log.name).read_text(errors="replace").count("Application startup complete")
        return self.workers >= 1 and started >= self.workers

    @property
    def pids(self) -> list[int]:
        """The supervisor (with several workers) and every process under it."""
        assert self._process is not None
        return [self._process.pid, *descendants(self._process.pid)]

    @property
    def workers(self) -> int:
        """The worker processes the server said it runs (``placeringssok serve`` prints the count)."""
        found = re.search(r"serving with (\d+) worker", Path(self._log.name).read_text(errors="replace"))
        return int(found.group(1)) if found else 0

    def worker_pids(self) -> list[int]:
        """The processes that serve: those under the supervisor holding sockets, else the one process."""
        assert self._process is not None
        return [pid for pid in descendants(self._process.pid) if _holds_sockets(pid)] or [self._process.pid]

    def measure(self, bodies: list[dict[str, Any]] | None, seconds: float, connections: int = 8) -> Measured:
        """``run_wrk`` and the server's CPU time over the run."""
        pids = self.pids
        before = cpu_seconds(pids)
        load = run_wrk(self.base, bodies, seconds, connections)
        return Measured(load, cpu_seconds(pids) - before)

    def __exit__(self, *exc: object) -> None:
        assert self._process is not None
        self._process.terminate()
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, 9)
            self._process.wait(timeout=60)
        self._log.close()
        os.unlink(self._log.name)


def _holds_sockets(pid: int) -> bool:
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in descriptors:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                return True
        except OSError:
            continue
    return False


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing Debian's wrk (apt-get install wrk) ...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and apt-get could not install it")
    return found


_LUA = """
local bodies = {BODIES}
local i = 0
request = function()
  if #bodies == 0 then return wrk.format("GET", "/healthz") end
  i = i % #bodies + 1
  return wrk.format("POST", "PATH", {["Content-Type"] = "application/json", ["X-API-Key"] = "KEY"}, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %f %f %f %f %d %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout, e.status))
end
""".replace("PATH", SEARCH_PATH).replace("KEY", BENCH_KEY)


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    # How wrk's connections were spread over the server's worker processes (most first), seen once
    # mid-run. The kernel hands a new connection to whichever worker accepts first, and wrk keeps
    # its 8 open for the run, so a run may load one worker with 5 or more while the other idles:
    # measured at 1M, 4/4 gave 2,160-2,340 searches/s at p99 6.6-7.8 ms, 5/3 1,970/s at 15.4 ms.
    spread: tuple[int, ...] = ()

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def over(self, workers: int) -> tuple[int, ...]:
        """The spread over all ``workers``: those that took none of wrk's connections count 0 (``ss``
        lists only processes holding one, so 8/0 was seen as the one-worker spread 8)."""
        return self.spread + (0,) * max(0, workers - len(self.spread)) if self.spread else ()

    def even(self, workers: int) -> bool:
        spread = self.over(workers)
        return bool(spread) and max(spread) - min(spread) <= 1


def connection_spread(base: str) -> tuple[int, ...]:
    """Established connections to ``base``'s port per server process, most first (``ss``)."""
    port = base.rsplit(":", 1)[1]
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
        ).stdout
    except FileNotFoundError:  # no iproute2: the spread is unknown
        return ()
    return tuple(sorted(Counter(re.findall(r"pid=(\d+)", out)).values(), reverse=True))


def spread_text(spread: tuple[int, ...]) -> str:
    """A spread as printed: connections per worker, most first ("4/4"), "?" when unknown."""
    return "/".join(map(str, spread)) or "?"


def wrk_output(command: list[str], base: str, seconds: float) -> tuple[str, tuple[int, ...]]:
    """What the wrk ``command`` (``seconds`` long, against ``base``) printed, and the connection
    spread (``connection_spread``) seen once mid-run."""
    seen: list[tuple[int, ...]] = []
    look = threading.Timer(min(2.0, seconds / 2), lambda: seen.append(connection_spread(base)))
    look.start()
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    look.join()
    return out, seen[0] if seen else ()


def run_wrk(base: str, bodies: list[dict[str, Any]] | None, seconds: float, connections: int = 8) -> Load:
    """wrk against ``base``: rotating caseworker search bodies, or GET /healthz when ``bodies`` is None."""
    lua_bodies = "{" + ",".join(_lua_string(json.dumps(b, ensure_ascii=False)) for b in bodies or []) + "}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as script:
        script.write(_LUA.replace("{BODIES}", lua_bodies))
    try:
        threads = max(1, min(2, connections))
        command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
        command += ["-s", script.name, base + ("/healthz" if bodies is None else SEARCH_PATH)]
        out, spread = wrk_output(command, base, seconds)
    finally:
        os.unlink(script.name)
    match = re.search(r"^RESULT (.+)$", out, re.M)
    if match is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    requests, duration, p50, p95, p99, errors, non_2xx = match.group(1).split()
    figures = (float(duration), float(p50), float(p95), float(p99), int(errors), int(non_2xx))
    return Load(int(requests), *figures, spread=spread)


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"

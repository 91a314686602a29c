"""scripts/serve.py (what `make serve` runs) as a subprocess on free loopback ports, and its memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.config import REPO_ROOT
from bench.service import free_port, service_env

API = "/galaxy-alpr/v1"


@dataclass(frozen=True)
class Served:
    """The running pair of processes and where to reach them."""

    launcher: subprocess.Popen[bytes]
    rest_url: str  # http://127.0.0.1:PORT/galaxy-alpr/v1
    grpc_target: str
    log_path: Path

    def child_pid(self, module: str) -> int | None:
        """Pid of the launcher's child running `python -m module`."""
        return child_running(self.launcher.pid, module)


def _read_proc(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def child_running(parent: int, module: str) -> int | None:
    """The pid of a direct child of parent whose command line contains module."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        status = _read_proc(entry / "status")
        ppid = next((line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), "")
        if ppid != str(parent):
            continue
        if module in _read_proc(entry / "cmdline").replace("\0", " "):
            return int(entry.name)
    return None


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of a process, in KiB."""
    values: dict[str, int] = {}
    for line in _read_proc(Path(f"/proc/{pid}/status")).splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(line.split()[1])
    return values


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.is_file() else ""


@contextmanager
def serve(base_dir: Path, timeout_s: float, overrides: Mapping[str, str] | None = None) -> Iterator[Served]:
    """Start scripts/serve.py with both ports free; stop it (SIGINT, then kill) on exit."""
    base_dir.mkdir(parents=True, exist_ok=True)
    grpc_port, http_port = free_port(), free_port()
    env = {**os.environ, **service_env(base_dir, overrides),
           "GALAXY_ALPR__SERVER__PORT": str(grpc_port),
           "GALAXY_ALPR__SERVER__HOST": "127.0.0.1",
           "GALAXY_ALPR_BRIDGE__PORT": str(http_port),
           "GALAXY_ALPR_BRIDGE__HOST": "127.0.0.1"}
    env.pop("GEMINI_API_KEY", None)
    log_path = base_dir / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "scripts/serve.py"], cwd=REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        children: list[tuple[int, str]] = []
        try:
            url = f"http://127.0.0.1:{http_port}{API}"
            _wait_healthy(proc, url, timeout_s, log_path)
            served = Served(proc, url, f"127.0.0.1:{grpc_port}", log_path)
            children = [(pid, module) for module in ("server.main", "rest_bridge.main")
                        if (pid := served.child_pid(module)) is not None]
            yield served
        finally:
            _stop(proc, children)


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout_s: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve.py exited early ({proc.returncode}):\n{_tail(log_path)}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"serve.py did not become healthy in {timeout_s:.0f}s:\n{_tail(log_path)}")


def _stop(proc: subprocess.Popen[bytes], children: list[tuple[int, str]]) -> None:
    """SIGINT to the launcher (it stops both children); kill what is left of those we started."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    for pid, module in children:
        # Only a process that still runs our module under that pid (pids can be reused).
        if module in _read_proc(Path(f"/proc/{pid}/cmdline")).replace("\0", " "):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

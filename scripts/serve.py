"""Start the gRPC server and the REST bridge together; Ctrl-C (or SIGTERM) stops both.

The bridge starts once the server answers its gRPC health check, so the first REST
request never meets a missing backend. Exits non-zero if either process dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.config import load_settings  # noqa: E402
from server.errors import ConfigError  # noqa: E402

STARTUP_TIMEOUT_S = 180.0


def wait_serving(target: str, timeout_s: float, server: subprocess.Popen[bytes]) -> bool:
    """Poll the standard health service until SERVING, the server dies, or the timeout passes."""
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return False
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return True
            except grpc.RpcError:
                pass
            time.sleep(0.3)
    return False


def main() -> int:
    """Run both processes until a signal or until one of them exits."""
    try:
        port = load_settings().server.port  # config.yaml (or GALAXY_ALPR_CONFIG) + environment, as the server
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    server = subprocess.Popen([sys.executable, "-m", "server.main"])
    bridge: subprocess.Popen[bytes] | None = None
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if not wait_serving(f"127.0.0.1:{port}", STARTUP_TIMEOUT_S, server):
            print("gRPC server did not become healthy; see its log above", file=sys.stderr)
            return 1
        env = dict(os.environ)
        env.setdefault("GALAXY_ALPR_BRIDGE__GRPC_TARGET", f"127.0.0.1:{port}")
        bridge = subprocess.Popen([sys.executable, "-m", "rest_bridge.main"], env=env)
        print(f"Galaxy ALPR: gRPC on :{port}, REST on :{env.get('GALAXY_ALPR_BRIDGE__PORT', '8000')} "
              "(Ctrl-C stops both)", flush=True)
        while not stopping and server.poll() is None and bridge.poll() is None:
            time.sleep(0.2)
        return 0 if stopping else 1
    finally:
        for proc in (bridge, server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (bridge, server):
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


if __name__ == "__main__":
    sys.exit(main())

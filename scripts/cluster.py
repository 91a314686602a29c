"""A Galaxy ALPR cluster on one machine: PostgreSQL, N server replicas, the REST bridge over them, RTSP cameras.

    python scripts/cluster.py --replicas 3 --cameras 4        # make cluster: runs until Ctrl-C

- PostgreSQL: a throwaway cluster (scripts/pg_cluster.py) holding the read history and the camera leases;
- cameras: one loopback RTSP server each (scripts/rtsp_camera.py, GStreamer, run by the system python3)
  streaming a test video made from the dev photos (scripts/make_test_videos.py);
- object storage: SeaweedFS's S3 gateway (scripts/seaweed_s3.py), where every replica puts its artefacts;
- replicas: `python -m server.main` each on its own port, one inference thread, `camera_leases` on (each
  camera watched by exactly one replica), artefacts in a folder of its own and in the shared bucket, all
  configured with every camera;
- the bridge: one `rest_bridge.main` balancing over every replica (round_robin).

`Cluster` is also what `make test-cluster` (tests/cluster/) drives: kill a replica, add one, ask the bridge.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.pg_cluster import PgCluster, free_port  # noqa: E402
from scripts.seaweed_s3 import SeaweedS3  # noqa: E402

SYSTEM_PYTHON = "/usr/bin/python3"
START_TIMEOUT_S = 180.0


@dataclass
class Replica:
    """One server process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Cluster:
    """The processes of a one-machine cluster; `start()` brings them up, `stop()` takes them down."""

    replicas_at_start: int = 2
    video: Path | None = None
    cameras: int = 2
    ttl_s: float = 15.0
    renew_every_s: float = 5.0
    bridge_port: int = 0
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="alpr-cluster-")))
    replicas: dict[str, Replica] = field(default_factory=dict)
    camera_urls: dict[str, str] = field(default_factory=dict)
    _pg: PgCluster | None = None
    _s3: SeaweedS3 | None = None
    _rtsp: list[subprocess.Popen[str]] = field(default_factory=list)
    _bridge: subprocess.Popen[bytes] | None = None
    _count: int = 0

    @property
    def database_url(self) -> str:
        """The PostgreSQL URL every replica shares."""
        assert self._pg is not None, "start() first"
        return self._pg.url

    @property
    def bridge_url(self) -> str:
        """http://127.0.0.1:<port> of the bridge."""
        return f"http://127.0.0.1:{self.bridge_port}"

    def start(self) -> None:
        """PostgreSQL, the cameras, the replicas (each serving), then the bridge."""
        self._pg = PgCluster()
        self._pg.start()
        self._s3 = SeaweedS3()
        self._s3.start()
        if self.video is not None:
            for number in range(self.cameras):
                self.camera_urls[f"cam-{number + 1}"] = self._start_camera(self.video)
        for _ in range(self.replicas_at_start):
            self.add_replica()
        self._start_bridge()

    def _start_camera(self, video: Path) -> str:
        port = free_port()
        process = subprocess.Popen([SYSTEM_PYTHON, str(REPO_ROOT / "scripts" / "rtsp_camera.py"), str(video),
                                    "--port", str(port), "--path", "/cam"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._rtsp.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"RTSP camera did not start: {line}{process.stdout.read()}")
        return line.split()[1]

    def _server_env(self, name: str) -> dict[str, str]:
        base = self.work / name
        base.mkdir(parents=True, exist_ok=True)
        for linked in ("models", "config"):
            target = base / linked
            if not target.exists():
                target.symlink_to(REPO_ROOT / linked)
        cameras = [{"id": camera_id, "url": url, "sample_fps": 5} for camera_id, url in self.camera_urls.items()]
        return {
            **os.environ,
            "GALAXY_ALPR__BASE_DIR": str(base),
            "GALAXY_ALPR__HISTORY__DATABASE_URL": self.database_url,
            "GALAXY_ALPR__OBJECT_STORE__URL": self._s3.url if self._s3 is not None else "",
            "GALAXY_ALPR__CAMERA_LEASES__ENABLED": "true",
            "GALAXY_ALPR__CAMERA_LEASES__REPLICA_ID": name,
            "GALAXY_ALPR__CAMERA_LEASES__TTL_S": str(self.ttl_s),
            "GALAXY_ALPR__CAMERA_LEASES__RENEW_EVERY_S": str(self.renew_every_s),
            "GALAXY_ALPR__CAMERAS": json.dumps(cameras),
            "GALAXY_ALPR__SERVER__METRICS_PORT": "-1",
            "GALAXY_ALPR__SERVER__GRACE_PERIOD_S": "2",
            "GALAXY_ALPR__RUNTIME__INTRA_OP_THREADS": "1",
            "GALAXY_ALPR__RUNTIME__INTER_OP_THREADS": "1",
        }

    def add_replica(self) -> Replica:
        """Start one more replica and wait until it serves."""
        self._count += 1
        name = f"replica-{self._count}"
        port = free_port()
        log = self.work / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "server.main", "--port", str(port)], cwd=REPO_ROOT,
                                       env=self._server_env(name), stdout=out, stderr=subprocess.STDOUT)
        replica = Replica(name, port, process, log)
        self.replicas[name] = replica
        self._wait_serving(replica)
        return replica

    def _wait_serving(self, replica: Replica) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        with grpc.insecure_channel(f"127.0.0.1:{replica.port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if replica.process.poll() is not None:
                    raise RuntimeError(f"{replica.name} exited: {replica.log.read_text(errors='replace')[-2000:]}")
                try:
                    if stub.Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
                            health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.5)
        raise RuntimeError(f"{replica.name} did not serve within {START_TIMEOUT_S:.0f} s")

    def _targets(self) -> str:
        return "ipv4:" + ",".join(f"127.0.0.1:{r.port}" for r in self.replicas.values())

    def _start_bridge(self) -> None:
        self.bridge_port = self.bridge_port or free_port()
        env = {**os.environ, "GALAXY_ALPR_BRIDGE__GRPC_TARGET": self._targets(),
               "GALAXY_ALPR_BRIDGE__PORT": str(self.bridge_port), "GALAXY_ALPR_BRIDGE__HOST": "127.0.0.1"}
        with (self.work / "bridge.log").open("wb") as out:
            self._bridge = subprocess.Popen([sys.executable, "-m", "rest_bridge.main"], cwd=REPO_ROOT, env=env,
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.bridge_url}/galaxy-alpr/v1/health", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the bridge did not answer within 60 s")

    def restart_bridge(self) -> None:
        """Start the bridge again over the replicas now running (after add_replica)."""
        if self._bridge is not None:
            self._bridge.terminate()
            self._bridge.wait(10)
        self._start_bridge()

    def kill(self, name: str) -> None:
        """kill -9 one replica (no drain, no lease hand-over)."""
        replica = self.replicas.pop(name)
        replica.process.send_signal(signal.SIGKILL)
        replica.process.wait(10)

    def health(self) -> dict[str, Any]:
        """The bridge's /health document."""
        with urllib.request.urlopen(f"{self.bridge_url}/galaxy-alpr/v1/health", timeout=10) as answer:
            return dict(json.loads(answer.read()))

    def stop(self) -> None:
        """Everything down (SIGTERM, then SIGKILL after 15 s)."""
        processes: list[subprocess.Popen[bytes] | subprocess.Popen[str]] = [
            *(r.process for r in self.replicas.values()), *self._rtsp]
        if self._bridge is not None:
            processes.insert(0, self._bridge)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.replicas.clear()
        if self._pg is not None:
            self._pg.stop()
        if self._s3 is not None:
            self._s3.stop()


def _video(out: Path) -> Path | None:
    try:
        from scripts.make_test_videos import load_photos, make_video
        photos = load_photos("indonesia-exchioz", REPO_ROOT.parent / "shared" / "data")[:4]
    except (FileNotFoundError, ValueError) as exc:
        print(f"no cameras: {exc}")
        return None
    return make_video(photos, out / "camera.mp4", fps=10, size=(1280, 720), seed=1).path


def main(argv: list[str] | None = None) -> int:
    """make cluster: start, print the endpoints, run until Ctrl-C."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--cameras", type=int, default=2)
    parser.add_argument("--bridge-port", type=int, default=8000)
    args = parser.parse_args(argv)
    cluster = Cluster(args.replicas, cameras=args.cameras, bridge_port=args.bridge_port)
    cluster.video = _video(cluster.work)
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        cluster.start()
        print(f"bridge {cluster.bridge_url}  database {cluster.database_url}")
        for replica in cluster.replicas.values():
            print(f"{replica.name}: grpc 127.0.0.1:{replica.port}, pid {replica.process.pid}, log {replica.log}")
        for camera_id, url in cluster.camera_urls.items():
            print(f"{camera_id}: {url}")
        print("kill -9 a replica's pid to watch its cameras move (GET /galaxy-alpr/v1/health); Ctrl-C stops all")
        while not stopping:
            time.sleep(0.5)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

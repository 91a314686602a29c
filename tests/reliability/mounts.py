"""Small tmpfs mounts for storage-fault tests (full disk, read-only); skip where mounting is not allowed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs(path: Path, *, size_kib: int = 2048) -> Iterator[Path]:
    """A tmpfs of size_kib at path (created), unmounted afterwards; skips the test when mount fails."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount_read_only(path: Path) -> None:
    """Make a mounted tmpfs read-only (root cannot write there either)."""
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)

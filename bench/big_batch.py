"""Server memory after one REST batch of ten ~20 MB photos (issue 22's memory target: RSS <= 700 MB).

    python -m bench.big_batch [--two-detectors]

A real photo is upscaled to 7000x5000 (35 MP, under limits.max_pixels) with sensor-like noise and encoded
at a JPEG quality that lands just under limits.max_image_bytes (20 MiB); ten of them go in one
process-multiple-images request to a `scripts/serve.py` started for the run; the gRPC server's VmRSS and
VmHWM (peak) are read after warm-up and after the batch.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import httpx
import numpy as np

from bench.data import load_set
from bench.e2e import server_memory
from bench.served import serve

SIZE = (7000, 5000)
MAX_BYTES = 20 * 1024 * 1024


def big_jpeg(seed: int = 0) -> bytes:
    """A 7000x5000 JPEG of a real street photo, as large as the upload limit allows."""
    sample = load_set("openalpr-br")[0]
    image = cv2.resize(sample.decode(), SIZE, interpolation=cv2.INTER_CUBIC)
    noise = np.random.default_rng(seed).normal(0, 12, image.shape)
    image = np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    for quality in (97, 95, 92, 90, 85, 80):
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and encoded.nbytes < MAX_BYTES:
            return encoded.tobytes()
    raise RuntimeError("could not encode under the upload limit")


def main(argv: list[str] | None = None) -> int:
    """Serve, send the batch, print the memory figures as JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--two-detectors", action="store_true", help="detection.mode: two_detectors")
    args = parser.parse_args(argv)
    photo = big_jpeg()
    overrides = {"GALAXY_ALPR__DETECTION__MODE": "two_detectors"} if args.two_detectors else {}
    with tempfile.TemporaryDirectory(prefix="bench-big-") as tmp, serve(Path(tmp), 180, overrides) as served:
        warm = server_memory(served)
        files = [("files", (f"big{i}.jpg", photo, "image/jpeg")) for i in range(10)]
        start = time.perf_counter()
        reply = httpx.post(f"{served.rest_url}/alpr-core/process-multiple-images", files=files, timeout=600)
        seconds = time.perf_counter() - start
        after = server_memory(served)
    body = reply.json()
    print(json.dumps({"photo_bytes": len(photo), "status": reply.status_code,
                      "successful": body.get("data", {}).get("successful_images"), "batch_s": round(seconds, 1),
                      "after_warmup": warm["grpc_server"], "after_batch": after["grpc_server"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

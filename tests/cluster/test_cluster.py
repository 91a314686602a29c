"""A cluster on one machine (scripts/cluster.py): replicas share the cameras, survive kill -9, take new ones.

Real processes: PostgreSQL, RTSP cameras (GStreamer), server replicas and the REST bridge over them.
Run by `make test-cluster` (`pytest -m cluster`); `make test` leaves them out.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripts.cluster import Cluster
from scripts.pg_cluster import free_port, unavailable_reason
from tests.conftest import data_set, labels
from tests.support.webhook_receiver import WebhookReceiver
from tests.video_fixtures import dev_photos

pytestmark = pytest.mark.cluster

TTL_S = 6.0
RENEW_S = 2.0
CAMERAS = 3
SYSTEM_PYTHON = Path("/usr/bin/python3")


def owners(cluster: Cluster) -> dict[str, str]:
    """camera id -> the replica /health says watches it ("" when none)."""
    return {c["camera_id"]: c["owner"] for c in cluster.health()["cameras"]}


def settled(cluster: Cluster) -> bool:
    """Every camera owned and every replica owning some (a replica that just joined has its share), as
    both replicas /health can come from see it (each shows the leases of its own last round, so the
    answer is asked twice, a round apart)."""
    for attempt in range(2):
        watched = owners(cluster)
        if not all(watched.values()) or set(watched.values()) != set(cluster.replicas):
            return False
        if attempt == 0:
            time.sleep(RENEW_S + 0.5)
    return True


def wait_for(condition: object, timeout_s: float, what: str) -> float:
    """Poll `condition()` until true; the seconds it took (AssertionError naming `what` after timeout_s)."""
    start = time.monotonic()
    while True:
        try:
            if condition():  # type: ignore[operator]
                return time.monotonic() - start
        except (httpx.HTTPError, OSError, KeyError):
            pass
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"{what} within {timeout_s:.0f} s")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    if not SYSTEM_PYTHON.is_file():
        pytest.skip("the RTSP cameras need the system python3 with GStreamer (scripts/ci/install_video_deps.sh)")
    from scripts.make_test_videos import make_video

    video = make_video(dev_photos(3), tmp_path_factory.mktemp("cluster") / "camera.mp4", fps=10, size=(640, 360),
                       approach_s=2.0, seed=5).path
    running = Cluster(2, video=video, cameras=CAMERAS, ttl_s=TTL_S, renew_every_s=RENEW_S)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_every_camera_is_watched_by_exactly_one_of_the_replicas(cluster: Cluster) -> None:
    wait_for(lambda: settled(cluster), 4 * RENEW_S + TTL_S, "the cameras were shared out")
    watched = owners(cluster)
    assert set(watched) == {f"cam-{n}" for n in range(1, CAMERAS + 1)}
    assert set(watched.values()) == set(cluster.replicas)  # both replicas hold a fair share
    assert sorted(cluster.health()["replicas"]) == sorted(cluster.replicas)


def test_any_replica_serves_the_images_any_replica_saved(cluster: Cluster) -> None:
    image = dev_photos(1)[0].path.read_bytes()
    with httpx.Client(base_url=cluster.bridge_url, timeout=60) as client:
        reply = client.post("/galaxy-alpr/v1/alpr-core/process-single-image",
                            files={"file": ("car.jpg", image, "image/jpeg")})
        assert reply.status_code == 200, reply.text
        data = reply.json()["data"]
        path = data["uploaded_image_path"]
        assert path and "storage_warning" not in data
        # Round robin sends these to both replicas; only one of them saved the file on its disk.
        bodies = {client.get(f"/galaxy-alpr/v1/images/{path}").content for _ in range(6)}
    assert bodies == {image}


def test_each_webhook_is_sent_once_by_the_replicas_together(cluster: Cluster) -> None:
    record = labels("openalpr-us")[0]
    content = (data_set("openalpr-us") / record["image"]).read_bytes()
    receiver = WebhookReceiver(free_port())
    receiver.start()
    try:
        with httpx.Client(base_url=cluster.bridge_url, timeout=120) as client:
            def process() -> str:
                reply = client.post("/galaxy-alpr/v1/alpr-core/process-single-image",
                                    files={"file": ("car.jpg", content, "image/jpeg")})
                assert reply.status_code == 200, reply.text
                read = [d["plate"]["plate_number"] for d in reply.json()["data"]["detections"]
                        if d.get("plate") and d["plate"].get("plate_number")]
                assert read, "the photo's plate was not read"
                return str(read[0])

            entry = client.post("/galaxy-alpr/v1/watchlist", json={"plate_number": process(), "label": "cluster",
                                                                  "webhook_url": receiver.url})
            assert entry.status_code == 200, entry.text
            for _ in range(6):  # round robin: both replicas record alerts, both dispatchers deliver
                process()
        wait_for(lambda: len(receiver.deliveries) >= 6, 60, "six alerts delivered")
        time.sleep(3.0)  # a second delivery of any of them would arrive by now
        keys = [d.headers["Idempotency-Key"] for d in receiver.deliveries]
        assert len(keys) == 6 and len(set(keys)) == 6, keys
    finally:
        receiver.stop()


def test_a_killed_replicas_cameras_move_and_images_keep_being_answered(cluster: Cluster) -> None:
    wait_for(lambda: settled(cluster), 4 * RENEW_S + TTL_S, "the cameras were shared out")
    image = dev_photos(1)[0].path.read_bytes()
    answers: collections.Counter[int] = collections.Counter()
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=cluster.bridge_url, timeout=60) as client:
            while not stop.is_set():
                reply = client.post("/galaxy-alpr/v1/alpr-core/process-single-image",
                                    files={"file": ("car.jpg", image, "image/jpeg")})
                answers[reply.status_code] += 1

    worker = threading.Thread(target=load)
    worker.start()
    try:
        time.sleep(2.0)
        before = owners(cluster)
        victim = collections.Counter(before.values()).most_common(1)[0][0]
        moved = {camera for camera, owner in before.items() if owner == victim}
        cluster.kill(victim)
        survivor = next(iter(cluster.replicas))
        took = wait_for(lambda: all(owners(cluster)[c] == survivor for c in moved), TTL_S + 3 * RENEW_S + 5,
                        f"the cameras of {victim} moved to {survivor}")
        time.sleep(2.0)
    finally:
        stop.set()
        worker.join(timeout=90)
    assert took <= TTL_S + 3 * RENEW_S
    assert answers[200] >= 3, answers
    # Only a request in flight on the killed replica at that moment may fail (it reached a server).
    assert sum(n for status, n in answers.items() if status != 200) <= 1, answers
    assert cluster.health()["replicas"] == [survivor]


def test_a_new_replica_takes_its_fair_share(cluster: Cluster) -> None:
    cluster.add_replica()
    cluster.restart_bridge()  # the bridge's target list names the replicas (on Kubernetes: DNS)
    share = -(-CAMERAS // len(cluster.replicas))
    wait_for(lambda: settled(cluster) and max(collections.Counter(owners(cluster).values()).values()) <= share,
             TTL_S + 4 * RENEW_S, "the cameras were rebalanced")
    assert set(owners(cluster).values()) == set(cluster.replicas)


def test_events_of_every_camera_reach_an_sse_client_of_one_bridge(cluster: Cluster) -> None:
    wait_for(lambda: settled(cluster), TTL_S + 4 * RENEW_S, "the cameras were shared out")
    seen: set[str] = set()
    deadline = time.monotonic() + 90
    with httpx.Client(base_url=cluster.bridge_url, timeout=httpx.Timeout(10, read=95)) as client, \
            client.stream("GET", "/galaxy-alpr/v1/events/stream") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                seen.add(json.loads(line[5:])["source_id"])
            if seen == set(owners(cluster)) or time.monotonic() > deadline:
                break
    assert seen == {f"cam-{n}" for n in range(1, CAMERAS + 1)}, seen

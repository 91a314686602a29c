"""CountedStages: each image one request of its method, its failure an error, its contents counted."""

from __future__ import annotations

import pytest

from server.bootstrap import Service
from server.errors import EmptyImageError
from server.pipeline.counted_stages import CountedStages
from server.pipeline.results import ImageRequest
from server.pipeline.stats import Stats
from tests.conftest import data_set, labels


def test_counts_requests_errors_and_contents(service: Service) -> None:
    stages = CountedStages(service.pipeline, Stats())
    record = labels("openalpr-us")[0]
    content = (data_set("openalpr-us") / record["image"]).read_bytes()
    out = stages.call("ProcessImages", stages.process, ImageRequest(content, record["image"]))
    with pytest.raises(EmptyImageError):
        stages.call("ProcessImages", stages.process, ImageRequest(b"", "a.jpg"))
    snap = stages.stats.snapshot()
    assert (snap.calls["ProcessImages"].requests, snap.calls["ProcessImages"].errors, snap.errors) == (2, 1, 1)
    assert snap.images_processed == 1
    assert snap.vehicles_detected == sum(1 for d in out.detections if d.vehicle is not None) > 0
    assert snap.plates_detected == sum(1 for d in out.detections if d.plate is not None) > 0
    assert snap.plates_read >= 1

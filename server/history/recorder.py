"""The pipeline's save step records each processed image's reads here (a failure never fails the image)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from server.history.pipeline_reads import plate_crop_reads, reads_of
from server.history.records import RecordResult
from server.history.store import HistoryStore
from server.pipeline.results import ImageRequest, PipelineOutput, ReadOutput

log = logging.getLogger(__name__)


class PipelineRecorder:
    """Implements server.pipeline.ports.ReadRecorder over a HistoryStore."""

    def __init__(self, store: HistoryStore, *, keep_unlisted_images: bool = True) -> None:
        self.store = store
        self.keep_unlisted_images = keep_unlisted_images

    def keep_images(self, plate_texts: Sequence[str]) -> bool:
        """Whether an image with these plate reads keeps its artefacts (history.keep_images)."""
        if self.keep_unlisted_images:
            return True
        try:
            return self.store.is_watched(plate_texts)
        except Exception:  # cannot tell: keep the evidence rather than lose it
            log.exception("history: watch-list lookup failed; images kept")
            return True

    def record(self, output: PipelineOutput, request: ImageRequest) -> list[RecordResult]:
        """Record the image's plate reads (source "image"); logs and returns [] when the database fails."""
        try:
            reads = reads_of(output, read_at=datetime.fromisoformat(output.timestamp),
                             camera_id=request.camera_id, request_id=request.request_id)
            return self.store.record_many(reads) if reads else []
        except Exception:
            log.exception("history: reads of %r not recorded", output.original_filename)
            return []

    def record_plate_reads(self, output: ReadOutput, request: ImageRequest) -> list[RecordResult]:
        """Record a recognised plate crop's reads (source "plate"); logs and returns [] on failure."""
        try:
            reads = plate_crop_reads(output, request, read_at=datetime.fromisoformat(output.timestamp))
            return self.store.record_many(reads) if reads else []
        except Exception:
            log.exception("history: reads of plate image %r not recorded", request.file_name)
            return []

"""The caller's x-request-id is on the log lines written while serving its call, in the stage threads too."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from clients.request_ids import LOG_FORMAT, RequestIdFilter
from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def captured(logger_name: str = "server.grpc_api.streams") -> Iterator[Capture]:
    """The INFO lines of a logger (with their request ids) while the block runs."""
    logger = logging.getLogger(logger_name)
    capture, level = Capture(), logger.level
    logger.addHandler(capture)
    logger.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)


def test_request_id_reaches_the_stage_threads_log(grpc_target: str) -> None:
    with captured() as capture, grpc.insecure_channel(grpc_target) as channel:
        request = pb.ProcessImagesRequest(image=types_pb2.ImageInput(content=b"GIF89a" + b"\0" * 20,
                                                                     file_name="bad.gif"))
        [answer] = list(pb_grpc.AlprServiceStub(channel).ProcessImages(
            iter([request]), metadata=(("x-request-id", "req-7f3a"),)))
    assert answer.error.reason == "UNSUPPORTED_FORMAT"
    rejected = [line for line in capture.lines if "bad.gif" in line]
    assert rejected and all("request_id=req-7f3a" in line for line in rejected), capture.lines

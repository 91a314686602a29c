"""plate_valid travels from the domain reading into the result JSON and the gRPC message."""

from __future__ import annotations

from server.domain import PlateReading
from server.grpc_api import convert
from server.pipeline.result_document import reading_document


def _reading(valid: bool) -> PlateReading:
    return PlateReading(plate_number="B 1234 CD" if valid else "MITSUBIS", raw_text="", plate_date="",
                        confidence=0.91, provider="recognizer", plate_valid=valid)


def test_result_document_carries_plate_valid() -> None:
    assert reading_document(_reading(True))["plate_valid"] is True
    assert reading_document(_reading(False), with_region=False)["plate_valid"] is False


def test_grpc_reading_carries_plate_valid() -> None:
    assert convert.reading(_reading(True)).plate_valid
    assert not convert.reading(_reading(False)).plate_valid

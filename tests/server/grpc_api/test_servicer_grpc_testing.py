"""The servicer under grpcio-testing's in-process server (no sockets)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import grpc_testing
import pytest

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import types_pb2
from server.bootstrap import Service

DESCRIPTOR = pb.DESCRIPTOR.services_by_name["AlprService"]


@pytest.fixture
def test_server(service: Service) -> Iterator[grpc_testing.Server]:
    yield grpc_testing.server_from_dictionary({DESCRIPTOR: service.servicer}, grpc_testing.strict_real_time())


def test_service_info(test_server: grpc_testing.Server) -> None:
    rpc = test_server.invoke_unary_unary(DESCRIPTOR.methods_by_name["GetServiceInfo"], (),
                                         pb.GetServiceInfoRequest(), None)
    response, _, code, _ = rpc.termination()
    assert code == grpc.StatusCode.OK
    assert response.name == "Galaxy ALPR Core API" and response.version == "1.0.0"


def test_ocr_stream_answers_each_request_with_its_id(test_server: grpc_testing.Server) -> None:
    rpc = test_server.invoke_stream_stream(DESCRIPTOR.methods_by_name["OcrPlates"], (), None)
    rpc.send_request(pb.OcrPlatesRequest(request_id="empty", image=types_pb2.ImageInput(content=b"")))
    rpc.send_request(pb.OcrPlatesRequest(request_id="gif", image=types_pb2.ImageInput(
        content=b"GIF89a" + b"\0" * 64, file_name="x.gif")))
    rpc.requests_closed()
    first, second = rpc.take_response(), rpc.take_response()
    _, code, _ = rpc.termination()
    assert code == grpc.StatusCode.OK
    assert (first.request_id, first.error.reason) == ("empty", "EMPTY_FILE")
    assert (second.request_id, second.error.reason) == ("gif", "UNSUPPORTED_FORMAT")
    assert second.error.error_type == "UnsupportedFormatError"


def test_stats_count_errors_per_method(test_server: grpc_testing.Server) -> None:
    rpc = test_server.invoke_unary_unary(DESCRIPTOR.methods_by_name["GetStats"], (), pb.GetStatsRequest(), None)
    before, _, _, _ = rpc.termination()
    stream = test_server.invoke_stream_stream(DESCRIPTOR.methods_by_name["RecognizePlates"], (), None)
    stream.send_request(pb.RecognizePlatesRequest(image=types_pb2.ImageInput(content=b"")))
    stream.requests_closed()
    stream.take_response()
    stream.termination()
    rpc = test_server.invoke_unary_unary(DESCRIPTOR.methods_by_name["GetStats"], (), pb.GetStatsRequest(), None)
    after, _, _, _ = rpc.termination()
    assert after.calls["RecognizePlates"].errors == before.calls["RecognizePlates"].errors + 1
    assert after.errors == before.errors + 1

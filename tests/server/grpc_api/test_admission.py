"""Idle streams never starve health and system RPCs; excess work is refused fast with a retry hint."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import types_pb2
from server.bootstrap import Service, utc_now
from server.grpc_api.app import create_server
from server.grpc_api.servicer import AlprServicer
from server.pipeline.counted_stages import CountedStages
from tests.conftest import data_set, labels

# Each RPC below must answer within this deadline (its own failure criterion, not a timing assertion).
DEADLINE_S = 3.0


def photo() -> bytes:
    record = labels("openalpr-us")[0]
    return bytes((data_set("openalpr-us") / record["image"]).read_bytes())


def servicer_for(service: Service, **server: Any) -> AlprServicer:
    settings = service.settings.model_copy(
        update={"server": service.settings.server.model_copy(update=server)})
    return AlprServicer(settings, CountedStages(service.pipeline, service.stats), service.system,
                        executor=service.executor, now=utc_now)


def idle_requests(release: threading.Event) -> Iterator[pb.ProcessImagesRequest]:
    release.wait()
    return
    yield  # pragma: no cover  (a generator that sends nothing until released)


def overload_hint(err: grpc.RpcError) -> tuple[str, float]:
    status = rpc_status.from_call(err)
    assert status is not None
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    retries = [d for d in status.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    infos[0].Unpack(info)
    retries[0].Unpack(retry)
    metadata: dict[str, Any] = dict(err.trailing_metadata() or ())  # type: ignore[arg-type]
    assert float(metadata["retry-after"]) == retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9
    return info.reason, retry.retry_delay.seconds + retry.retry_delay.nanos / 1e9


def one_image(stub: pb_grpc.AlprServiceStub, content: bytes) -> pb.ProcessImagesResponse:
    request = pb.ProcessImagesRequest(image=types_pb2.ImageInput(content=content, file_name="a.jpg"))
    [response] = list(stub.ProcessImages(iter([request]), timeout=60))
    return response


def assert_system_answers(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest(service=""), timeout=DEADLINE_S).status == \
        health_pb2.HealthCheckResponse.SERVING
    stub = pb_grpc.AlprServiceStub(channel)
    assert stub.GetHealth(pb.GetHealthRequest(), timeout=DEADLINE_S).version
    assert stub.GetServiceInfo(pb.GetServiceInfoRequest(), timeout=DEADLINE_S).name
    assert stub.GetStats(pb.GetStatsRequest(), timeout=DEADLINE_S).uptime_seconds >= 0


@pytest.mark.parametrize("idle", [8, 64])
def test_idle_streams_starve_nobody(service: Service, idle: int) -> None:
    content = photo()
    servicer = servicer_for(service, stream_idle_timeout_s=60.0, max_workers=16)
    server, port, _ = create_server(servicer, "127.0.0.1:0", system_threads=2)
    server.start()
    release = threading.Event()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as idle_channel, \
                grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            idle_stub = pb_grpc.AlprServiceStub(idle_channel)
            calls: list[Any] = [idle_stub.ProcessImages(idle_requests(release)) for _ in range(idle)]
            if idle > 16:  # beyond max_workers: refused at once, with a retry hint
                finished = threading.Semaphore(0)
                for call in calls:
                    call.add_done_callback(lambda _call: finished.release())
                for _ in range(idle - 16):
                    assert finished.acquire(timeout=DEADLINE_S)
                refused = [c for c in calls if c.done()]
                assert len(refused) == idle - 16
                assert all(c.code() == grpc.StatusCode.RESOURCE_EXHAUSTED for c in refused)
                assert all(overload_hint(c) == ("OVERLOADED", 1.0) for c in refused)
            assert_system_answers(channel)
            stub = pb_grpc.AlprServiceStub(channel)
            if idle <= 16:
                assert one_image(stub, content).result.detections  # another client is served
            else:
                with pytest.raises(grpc.RpcError) as info:
                    one_image(stub, content)
                assert overload_hint(info.value) == ("OVERLOADED", 1.0)  # told fast, not queued
            assert servicer.admission.streams == min(idle, 16)
    finally:
        release.set()
        server.stop(grace=None)


def test_an_idle_stream_is_closed_and_its_slot_given_to_the_next_client(service: Service) -> None:
    servicer = servicer_for(service, stream_idle_timeout_s=0.5, max_workers=1)
    server, port, _ = create_server(servicer, "127.0.0.1:0", system_threads=1)
    server.start()
    release = threading.Event()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AlprServiceStub(channel)
            idle_call = stub.ProcessImages(idle_requests(release))
            with pytest.raises(grpc.RpcError) as info:
                list(idle_call)
            assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert "No request on this stream" in str(info.value.details())
            assert one_image(stub, photo()).result.detections
            assert servicer.admission.streams == 0
    finally:
        release.set()
        server.stop(grace=None)


def test_images_beyond_the_in_flight_bound_are_shed_and_the_rest_served(service: Service) -> None:
    """Three clients at once against room for one image: each is served or refused OVERLOADED, none waits."""
    content = photo()
    servicer = servicer_for(service, max_inflight_images=1, max_workers=8)
    server, port, _ = create_server(servicer, "127.0.0.1:0", system_threads=1)
    server.start()
    outcomes: list[str] = []
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AlprServiceStub(channel)

            def client() -> None:
                try:
                    one_image(stub, content)
                    outcomes.append("served")
                except grpc.RpcError as err:
                    outcomes.append(overload_hint(err)[0])

            threads = [threading.Thread(target=client) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert outcomes.count("served") >= 1 and set(outcomes) <= {"served", "OVERLOADED"}
            assert outcomes.count("OVERLOADED") >= 1, outcomes
            assert servicer.admission.inflight_images == 0 and servicer.admission.shed_images >= 1
    finally:
        server.stop(grace=None)

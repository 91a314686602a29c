"""Assembles the gRPC server: servicer, health, reflection, limits, graceful shutdown."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from clients.channel import MAX_MESSAGE_BYTES
from galaxy.alpr.v1 import alpr_service_pb2 as pb
from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import history_service_pb2 as hpb
from galaxy.alpr.v1 import history_service_pb2_grpc as hpb_grpc
from galaxy.alpr.v1 import video_service_pb2 as vpb
from galaxy.alpr.v1 import video_service_pb2_grpc as vpb_grpc
from server.grpc_api.auth import ApiKeyInterceptor
from server.grpc_api.history_servicer import HistoryServicer
from server.grpc_api.interceptor import ErrorInterceptor
from server.grpc_api.metrics_interceptor import MetricsInterceptor
from server.grpc_api.servicer import AlprServicer
from server.grpc_api.video_servicer import VideoServicer
from server.pipeline.stats import Stats

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AlprService"].full_name
VIDEO_SERVICE_NAME = vpb.DESCRIPTOR.services_by_name["VideoService"].full_name


# Dead peers are found by keepalive pings (their streams then end and free their threads); clients may
# ping every 5 s (the bridge's reconnect settings do) without being sent GOAWAY.
KEEPALIVE_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS (the server's side; its default is 5 minutes, and
    # clients pinging every 10 s while idle were sent GOAWAY "too_many_pings").
    ("grpc.http2.min_ping_interval_without_data_ms", 5_000),
]


HISTORY_SERVICE_NAME = hpb.DESCRIPTOR.services_by_name["HistoryService"].full_name


def create_server(servicer: AlprServicer, address: str, *, healthy: bool = True,
                  stats: Stats | None = None, system_threads: int = 4, api_keys: tuple[str, ...] = (),
                  credentials: grpc.ServerCredentials | None = None,
                  video: VideoServicer | None = None, long_streams: int = 0,
                  history: HistoryServicer | None = None,
                  ) -> tuple[grpc.Server, int, health.HealthServicer]:
    """Build (not start) the server bound to address; returns (server, bound port, health servicer).

    The servicer's `server.max_workers` streams are served at once (its admission); more are refused at
    once with RESOURCE_EXHAUSTED, so the `system_threads` kept apart always serve health and system RPCs.
    `video` adds the VideoService, whose `long_streams` server streams (WatchStream, SubscribeEvents;
    bounded by video.max_streams) get threads of their own. Bind "127.0.0.1:0" in tests.
    """
    metrics = servicer.metrics
    threads = servicer.admission.max_streams + system_threads + (long_streams if video is not None else 0)
    interceptors: list[grpc.ServerInterceptor] = [] if metrics is None else [MetricsInterceptor(metrics)]
    if api_keys:
        interceptors.append(ApiKeyInterceptor(api_keys))
    interceptors.append(ErrorInterceptor(stats if stats is not None else servicer.stats, servicer.admission))
    server = grpc.server(
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="grpc"),
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
            *KEEPALIVE_OPTIONS,
        ],
        # A backstop for what admission control does not see (RPCs waiting for a thread).
        maximum_concurrent_rpcs=threads * 4,
    )
    pb_grpc.add_AlprServiceServicer_to_server(servicer, server)
    names = [SERVICE_NAME]
    if video is not None:
        vpb_grpc.add_VideoServiceServicer_to_server(video, server)
        names.append(VIDEO_SERVICE_NAME)
    if history is not None:
        hpb_grpc.add_HistoryServiceServicer_to_server(history, server)
        names.append(HISTORY_SERVICE_NAME)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    # "" is the process; the ALPR service is NOT_SERVING when a stage cannot run (a model is missing).
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_servicer.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING if healthy
                        else health_pb2.HealthCheckResponse.NOT_SERVING)
    if video is not None:
        health_servicer.set(VIDEO_SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING if healthy
                            else health_pb2.HealthCheckResponse.NOT_SERVING)
    if history is not None:
        health_servicer.set(HISTORY_SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection((*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = (server.add_secure_port(address, credentials) if credentials is not None
            else server.add_insecure_port(address))
    if port == 0:
        raise RuntimeError(f"could not bind gRPC server to {address}")
    return server, port, health_servicer


def server_credentials(cert_file: str, key_file: str) -> grpc.ServerCredentials:
    """TLS credentials from a PEM certificate (chain) and its private key."""
    with open(cert_file, "rb") as cert, open(key_file, "rb") as key:
        return grpc.ssl_server_credentials([(key.read(), cert.read())])


def serve_until_signalled(server: grpc.Server, health_servicer: health.HealthServicer,
                          grace_period_s: float, on_drain: Callable[[float], None] | None = None) -> None:
    """Start, then on SIGTERM/SIGINT drain: new calls refused; `on_drain(grace)` makes the streams answer
    every image they received within the grace period (processed, or SHUTTING_DOWN)."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: shutting down (grace %.0fs)", signal.Signals(signum).name, grace_period_s)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    stop.wait()
    if on_drain is not None:
        on_drain(grace_period_s)
    health_servicer.enter_graceful_shutdown()
    server.stop(grace_period_s).wait()
    log.info("server stopped")

"""Assembles the gRPC server: servicer, health, reflection, limits, graceful shutdown."""

from __future__ import annotations

import logging
import signal
import threading
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
from server.grpc_api.history_servicer import HistoryServicer
from server.grpc_api.interceptor import ErrorInterceptor
from server.grpc_api.servicer import AlprServicer
from server.pipeline.stats import Stats

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AlprService"].full_name
HISTORY_SERVICE_NAME = hpb.DESCRIPTOR.services_by_name["HistoryService"].full_name


def create_server(servicer: AlprServicer, address: str, *, max_workers: int, healthy: bool = True,
                  stats: Stats | None = None, history: HistoryServicer | None = None,
                  ) -> tuple[grpc.Server, int, health.HealthServicer]:
    """Build (not start) the server bound to address; returns (server, bound port, health servicer).

    Bind "127.0.0.1:0" in tests to get a free port.
    """
    server = grpc.server(
        ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=[ErrorInterceptor(stats if stats is not None else servicer.stats)],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ],
    )
    pb_grpc.add_AlprServiceServicer_to_server(servicer, server)
    names = [SERVICE_NAME]
    if history is not None:
        hpb_grpc.add_HistoryServiceServicer_to_server(history, server)
        names.append(HISTORY_SERVICE_NAME)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    # "" is the process; the ALPR service is NOT_SERVING when a stage cannot run (a model is missing).
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_servicer.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING if healthy
                        else health_pb2.HealthCheckResponse.NOT_SERVING)
    if history is not None:
        health_servicer.set(HISTORY_SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection((*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_insecure_port(address)
    if port == 0:
        raise RuntimeError(f"could not bind gRPC server to {address}")
    return server, port, health_servicer


def serve_until_signalled(server: grpc.Server, health_servicer: health.HealthServicer,
                          grace_period_s: float) -> None:
    """Start, then on SIGTERM/SIGINT stop accepting calls and let in-flight calls finish."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: shutting down (grace %.0fs)", signal.Signals(signum).name, grace_period_s)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    stop.wait()
    health_servicer.enter_graceful_shutdown()
    server.stop(grace_period_s).wait()
    log.info("server stopped")

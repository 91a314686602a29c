"""Entry point: python -m server.main [--config PATH] [--port N]."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
import sys
import threading

import grpc

from clients import request_ids
from clients.telemetry import configure_tracing
from server.bootstrap import build_service, replica_name
from server.config import Settings, load_settings
from server.errors import ConfigError
from server.grpc_api.app import create_server, serve_until_signalled, server_credentials

log = logging.getLogger("server")


def _credentials(settings: Settings) -> grpc.ServerCredentials | None:
    s = settings.server
    if bool(s.tls_cert_file) != bool(s.tls_key_file):
        raise ConfigError("server.tls_cert_file and server.tls_key_file must be set together")
    return server_credentials(s.tls_cert_file, s.tls_key_file) if s.tls_cert_file else None


def main(argv: list[str] | None = None) -> int:
    """Load settings, build the service and serve until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description="Galaxy ALPR gRPC server")
    parser.add_argument("--config", help="YAML configuration (default: config/config.yaml or $GALAXY_ALPR_CONFIG)")
    parser.add_argument("--port", type=int, help="override server.port")
    args = parser.parse_args(argv)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack to stderr
    logging.basicConfig(level=logging.INFO, format=request_ids.LOG_FORMAT)
    request_ids.install()
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.port is not None:
        settings = settings.model_copy(update={"server": settings.server.model_copy(update={"port": args.port})})
    request_ids.configure_logging(settings.server.log_format, replica_name(settings))
    if configure_tracing(settings.server.otlp_endpoint, "galaxy-alpr-server", replica_name(settings)):
        log.info("traces to %s", settings.server.otlp_endpoint)
    service = build_service(settings)
    health = service.system.health()
    for issue in health.issues:
        log.warning("degraded: %s", issue)
    metrics = service.servicer.metrics  # build_service always makes them
    server, port, health_servicer = create_server(
        service.servicer, f"{settings.server.host}:{settings.server.port}", healthy=health.healthy,
        system_threads=settings.server.system_threads,
        api_keys=settings.server.api_key_values, credentials=_credentials(settings), video=service.video,
        long_streams=settings.video.max_streams, history=service.history_servicer)
    if not settings.server.api_key_values:
        log.warning("gRPC port is open: no server.api_keys configured (set GALAXY_ALPR__SERVER__API_KEYS)")
    if settings.server.metrics_port >= 0 and metrics is not None:
        try:
            bound = metrics.serve(settings.server.metrics_host, settings.server.metrics_port)
        except OSError as exc:  # metrics are for operators: serving goes on without them
            log.warning("metrics not served on %s:%d: %s", settings.server.metrics_host,
                        settings.server.metrics_port, exc)
        else:
            log.info("Prometheus metrics on http://%s:%d/metrics", settings.server.metrics_host, bound)
    log.info("gRPC server listening on %s:%d (%s)", settings.server.host, port,
             "healthy" if health.healthy else "degraded")
    service.cameras.start()  # configured cameras are watched from start-up, each in its own thread
    try:
        serve_until_signalled(server, health_servicer, settings.server.grace_period_s,
                              on_drain=service.servicer.begin_drain)
    finally:
        service.close()
    lingering = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if lingering:  # the interpreter waits for these before the process exits
        log.warning("threads still running after shutdown: %s", ", ".join(lingering))
    log.info("shut down")
    return 0


if __name__ == "__main__":
    sys.exit(main())

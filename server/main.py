"""Entry point: python -m server.main [--config PATH] [--port N]."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from server.bootstrap import build_service
from server.config import load_settings
from server.errors import ConfigError
from server.grpc_api.app import create_server, serve_until_signalled

log = logging.getLogger("server")


def main(argv: list[str] | None = None) -> int:
    """Load settings, build the service and serve until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description="Galaxy ALPR gRPC server")
    parser.add_argument("--config", help="YAML configuration (default: config/config.yaml or $GALAXY_ALPR_CONFIG)")
    parser.add_argument("--port", type=int, help="override server.port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.port is not None:
        settings = settings.model_copy(update={"server": settings.server.model_copy(update={"port": args.port})})
    service = build_service(settings)
    health = service.system.health()
    for issue in health.issues:
        log.warning("degraded: %s", issue)
    server, port, health_servicer = create_server(
        service.servicer, f"{settings.server.host}:{settings.server.port}",
        max_workers=settings.server.max_workers, healthy=health.healthy, history=service.history_servicer)
    log.info("gRPC server listening on %s:%d (%s)", settings.server.host, port,
             "healthy" if health.healthy else "degraded")
    try:
        serve_until_signalled(server, health_servicer, settings.server.grace_period_s)
    finally:
        service.close()
    lingering = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if lingering:  # the interpreter waits for these before the process exits
        log.warning("threads still running after shutdown: %s", ", ".join(lingering))
    log.info("shut down")
    return 0


if __name__ == "__main__":
    sys.exit(main())

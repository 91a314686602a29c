"""API keys on the gRPC port: `x-api-key: <key>` or `authorization: Bearer <key>` metadata.

With no keys configured the service is open (the seed's behaviour), and says so at start-up.
The health service stays open so that orchestrators can probe it without a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import grpc

from clients.credentials import key_matches, presented_key
from server.errors import AlprError, Reason
from server.grpc_api.status import rich_status

OPEN_SERVICES = ("/grpc.health.v1.Health/",)


class UnauthenticatedError(AlprError):
    """No API key, or one that is not configured."""

    reason: str = Reason.UNAUTHENTICATED


def _refusal(method: str, context: grpc.ServicerContext) -> None:
    context.abort_with_status(rich_status(UnauthenticatedError(
        f"{method.rsplit('/', 1)[-1]}: a valid API key is required (x-api-key or authorization: Bearer)")))


class ApiKeyInterceptor(grpc.ServerInterceptor):
    """Refuses every call but health checks without a configured key (UNAUTHENTICATED)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = tuple(keys)

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        """Let the call through, or replace its handler by one that aborts UNAUTHENTICATED."""
        method: str = details.method
        if method.startswith(OPEN_SERVICES) or key_matches(presented_key(details.invocation_metadata), self._keys):
            return continuation(details)
        handler = continuation(details)
        if handler is None:
            return None
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=lambda _req, ctx: _refusal(method, ctx))
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=lambda _req, ctx: _refusal(method, ctx))
        if handler.stream_unary is not None:
            return handler._replace(stream_unary=lambda _req, ctx: _refusal(method, ctx))
        return handler._replace(stream_stream=lambda _req, ctx: _refusal(method, ctx))

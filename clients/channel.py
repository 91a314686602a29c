"""What every caller of the service shares: message limit, channel options, request ids, deadlines.

The gRPC server (server/grpc_api/app.py), the typed clients and the REST bridge all take these
from here, so the two ends of a channel never disagree.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

import grpc

# A 20 MB image plus message overhead (the service's own upload limit is checked below this).
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
# Client channels: the message limit both ways; several targets ("ipv4:a:50051,b:50051") round robin.
CHANNEL_OPTIONS: list[tuple[str, int | str]] = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.lb_policy_name", "round_robin"),
    ("grpc.enable_retries", 1),
    # Reconnect fast after the server restarts (the default backoff grows to 120 s; here at most 1 s,
    # so a caller is served again within about a second of the server being back).
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
    # Find a dead server (or a dead connection through a proxy) without waiting for a call to fail.
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
]
REQUEST_ID_HEADER = "x-request-id"
# API keys (when the server has server.api_keys): this metadata key, or "authorization: Bearer <key>".
API_KEY_HEADER = "x-api-key"


# The id of the request a caller is serving (the REST bridge sets its REST request's): its gRPC calls
# carry it, so the server's log lines name the same request as the bridge's.
CALLER_REQUEST_ID: ContextVar[str] = ContextVar("caller_request_id", default="")
# Further metadata of the caller's request that every call it makes carries (the bridge: the W3C
# trace context of the REST request, so the server's spans continue its trace).
CALLER_METADATA: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("caller_metadata", default=())


def new_request_id() -> str:
    """The id of one call: the caller's request id when set, else a fresh one; its messages are
    "<id>-0", "<id>-1", ... (echoed in the responses)."""
    return CALLER_REQUEST_ID.get() or uuid.uuid4().hex


def call_metadata(api_key: str, request_id: str) -> tuple[tuple[str, str], ...]:
    """The metadata of one call: its request id, and the API key when one is set."""
    extra = CALLER_METADATA.get()
    if api_key:
        return (REQUEST_ID_HEADER, request_id), (API_KEY_HEADER, api_key), *extra
    return (REQUEST_ID_HEADER, request_id), *extra


def open_aio_channel(target: str, credentials: grpc.ChannelCredentials | None = None) -> grpc.aio.Channel:
    """An asyncio channel with the one option set, TLS when credentials are given."""
    if credentials is not None:
        return grpc.aio.secure_channel(target, credentials, options=CHANNEL_OPTIONS)
    return grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)


def message_id(request_id: str, index: int) -> str:
    """The id of the index-th message of a call."""
    return f"{request_id}-{index}"


@dataclass(frozen=True)
class Deadlines:
    """One deadline policy: a stream of n images gets call_s + n * per_image_s; a unary call unary_s.

    None means no deadline (the CLI's default); the bridge sets all three.
    """

    call_s: float | None = None
    per_image_s: float = 0.0
    unary_s: float | None = None

    def stream(self, images: int | None) -> float | None:
        """Deadline of a streaming call over `images` images (None: not known in advance)."""
        if self.call_s is None:
            return None
        return self.call_s + self.per_image_s * (images or 0)

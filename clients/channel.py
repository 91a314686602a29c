"""What every caller of the service shares: message limit, channel options, request ids, deadlines.

The gRPC server (server/grpc_api/app.py), the typed clients and the REST bridge all take these
from here, so the two ends of a channel never disagree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

# A 20 MB image plus message overhead (the service's own upload limit is checked below this).
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
# Client channels: the message limit both ways; several targets ("ipv4:a:50051,b:50051") round robin.
CHANNEL_OPTIONS: list[tuple[str, int | str]] = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.lb_policy_name", "round_robin"),
    ("grpc.enable_retries", 1),
]
REQUEST_ID_HEADER = "x-request-id"


def new_request_id() -> str:
    """A fresh id for one call; its messages are "<id>-0", "<id>-1", ... (echoed in the responses)."""
    return uuid.uuid4().hex


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

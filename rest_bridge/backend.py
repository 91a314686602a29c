"""The bridge's one gRPC channel to the ALPR server, and helpers to call its streams."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import grpc
from fastapi import Request

from galaxy.alpr.v1 import alpr_service_pb2_grpc as pb_grpc
from galaxy.alpr.v1 import history_service_pb2_grpc as hpb_grpc
from galaxy.alpr.v1 import types_pb2

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
T = TypeVar("T")


class Backend:
    """An async channel and stub; several targets are balanced round robin."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.channel = grpc.aio.insecure_channel(
            target,
            options=[
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.lb_policy_name", "round_robin"),
                ("grpc.enable_retries", 1),
            ],
        )
        self.stub = pb_grpc.AlprServiceStub(self.channel)
        self.history = hpb_grpc.HistoryServiceStub(self.channel)

    async def close(self) -> None:
        """Close the channel."""
        await self.channel.close()


def get_backend(request: Request) -> Backend:
    """FastAPI dependency: the app's backend."""
    backend: Backend = request.app.state.backend
    return backend


def new_request_id() -> str:
    """A fresh id for one REST request (sent as x-request-id metadata)."""
    return uuid.uuid4().hex


async def call_stream(
    method: Callable[..., Any],
    make_request: Callable[[str, types_pb2.ImageInput], T],
    images: Sequence[types_pb2.ImageInput],
    *,
    request_id: str,
    timeout: float,
) -> dict[str, Any]:
    """Send one message per image on one stream; return the responses keyed by message id."""
    messages = [make_request(f"{request_id}-{i}", image) for i, image in enumerate(images)]
    call = method(iter(messages), timeout=timeout, metadata=(("x-request-id", request_id),),
                  wait_for_ready=False)
    answers: dict[str, Any] = {}
    async for response in call:
        answers[response.request_id] = response
    return answers

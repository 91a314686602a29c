"""Shared route dependencies: the typed gRPC client, the server's limits, and the form fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile

from clients import AsyncAlprClient, AsyncVideoClient
from rest_bridge.service_limits import LearnedLimits, ServiceLimits


def get_client(request: Request) -> AsyncAlprClient:
    """The app's one client of the gRPC server."""
    client: AsyncAlprClient = request.app.state.client
    return client


async def get_limits(request: Request) -> ServiceLimits:
    """The server's limits (503 BACKEND_UNAVAILABLE while the server has not told them)."""
    learned: LearnedLimits = request.app.state.limits
    return await learned.get()


def get_learned(request: Request) -> LearnedLimits:
    """The limits as far as they are known (routes that answer even with the server down)."""
    learned: LearnedLimits = request.app.state.limits
    return learned


def get_video_client(request: Request) -> AsyncVideoClient:
    """The app's client of the VideoService."""
    client: AsyncVideoClient = request.app.state.video
    return client


ClientDep = Annotated[AsyncAlprClient, Depends(get_client)]
VideoDep = Annotated[AsyncVideoClient, Depends(get_video_client)]
LimitsDep = Annotated[ServiceLimits, Depends(get_limits)]
LearnedDep = Annotated[LearnedLimits, Depends(get_learned)]
SceneFile = Annotated[UploadFile, File(description="Image file (JPG, JPEG, PNG)")]
PlateFile = Annotated[UploadFile, File(description="Plate image file")]
TimestampForm = Annotated[str, Form(description='"YYYY-MM-DD HH-MM-SS"')]

"""Shared route dependencies: the typed gRPC client, the server's limits, and the form fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile

from clients import AsyncAlprClient
from rest_bridge.service_limits import ServiceLimits


def get_client(request: Request) -> AsyncAlprClient:
    """The app's one client of the gRPC server."""
    client: AsyncAlprClient = request.app.state.client
    return client


def get_limits(request: Request) -> ServiceLimits:
    """The server's limits, learned at start-up."""
    limits: ServiceLimits = request.app.state.limits
    return limits


ClientDep = Annotated[AsyncAlprClient, Depends(get_client)]
LimitsDep = Annotated[ServiceLimits, Depends(get_limits)]
SceneFile = Annotated[UploadFile, File(description="Image file (JPG, JPEG, PNG)")]
PlateFile = Annotated[UploadFile, File(description="Plate image file")]
TimestampForm = Annotated[str, Form(description='"YYYY-MM-DD HH-MM-SS"')]

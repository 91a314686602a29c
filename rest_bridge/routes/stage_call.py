"""One upload through one streaming stage, and the routes that do only that (one per stage)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, UploadFile

from clients import AsyncAlprClient, StageName
from rest_bridge import convert
from rest_bridge.errors import item_error
from rest_bridge.responses import success
from rest_bridge.routes.deps import ClientDep, LimitsDep, PlateFile, SceneFile, TimestampForm
from rest_bridge.service_limits import ServiceLimits
from rest_bridge.uploads import image_item


async def single(client: AsyncAlprClient, stage: StageName, upload: UploadFile, limits: ServiceLimits, *,
                 custom_timestamp: str = "") -> dict[str, Any]:
    """The stage's `data` for one image; a per-image error is raised as the HTTP error."""
    item = await image_item(upload, limits.max_upload_bytes, custom_timestamp=custom_timestamp)
    [response] = await client.run(stage, [item])
    if response.HasField("error"):
        raise item_error(response.error)
    return convert.document(response.result.document_json if stage == "process" else response.document_json)


async def answer(client: AsyncAlprClient, stage: StageName, upload: UploadFile, limits: ServiceLimits,
                 message: str, custom_timestamp: str = "") -> dict[str, Any]:
    """The documented success envelope around one image's `data`."""
    started = time.perf_counter()
    data = await single(client, stage, upload, limits, custom_timestamp=custom_timestamp)
    return success(message, data, started, limits.tz)


def add_image_route(router: APIRouter, path: str, stage: StageName, *, name: str, summary: str, description: str,
                    message: str, scene: bool = True) -> None:
    """POST `path`: one uploaded `file` (a scene with an optional custom_timestamp, or a plate crop)."""
    if scene:
        async def scene_route(client: ClientDep, limits: LimitsDep, file: SceneFile,
                              custom_timestamp: TimestampForm = "") -> dict[str, Any]:
            return await answer(client, stage, file, limits, message, custom_timestamp)

        router.post(path, name=name, summary=summary, description=description)(scene_route)
    else:
        async def plate_route(client: ClientDep, limits: LimitsDep, file: PlateFile) -> dict[str, Any]:
            return await answer(client, stage, file, limits, message)

        router.post(path, name=name, summary=summary, description=description)(plate_route)

"""One upload through one streaming stage: its documented `data`, or its error as the HTTP error."""

from __future__ import annotations

from typing import Any

from fastapi import UploadFile

from clients import AsyncAlprClient, StageName
from rest_bridge import convert
from rest_bridge.errors import item_error
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

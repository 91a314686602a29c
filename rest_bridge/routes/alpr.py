"""ALPR core endpoints: the full pipeline for one image or a batch."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from rest_bridge import convert
from rest_bridge.errors import ERROR_TYPE, ApiError, http_status
from rest_bridge.responses import success
from rest_bridge.routes.deps import ClientDep, LimitsDep
from rest_bridge.routes.stage_call import add_image_route
from rest_bridge.uploads import image_item
from server.errors import Reason

router = APIRouter(prefix="/alpr-core", tags=["alpr-core"])

_SUMMARY_KEYS = ("total_detections", "vehicles_with_plates", "vehicles_without_plates",
                 "plates_without_vehicles")


add_image_route(router, "/process-single-image", "process", name="process_single_image",
                summary="Process a single image through the complete ALPR pipeline",
                description="Vehicles, plates, readings and pairing for one image.",
                message="ALPR processing completed successfully")


@router.post("/process-multiple-images", summary="Process up to 10 images through the complete pipeline")
async def process_multiple_images(
    client: ClientDep,
    limits: LimitsDep,
    files: Annotated[list[UploadFile], File(description="Image files (max 10)")],
    custom_timestamp: Annotated[str, Form(description="Custom timestamp prefix (free text)")] = "",
) -> dict[str, Any]:
    """Each image in its own result; one bad image never loses the others."""
    started = time.perf_counter()
    if not files:
        raise ApiError(Reason.NO_FILES, "No files uploaded")
    if len(files) > limits.max_batch_files:
        raise ApiError(Reason.TOO_MANY_FILES, f"Too many files: {len(files)}; the maximum is "
                                              f"{limits.max_batch_files} files per request")
    items = [await image_item(upload, limits.max_upload_bytes, batch_prefix=custom_timestamp) for upload in files]
    responses = await client.run("process", items)
    results: list[dict[str, Any]] = []
    totals = dict.fromkeys(_SUMMARY_KEYS, 0)
    failed = 0
    for index, (upload, response) in enumerate(zip(files, responses, strict=True), start=1):
        entry: dict[str, Any] = {"batch_index": index, "original_filename": upload.filename or ""}
        if response.HasField("error"):
            failed += 1
            e = response.error
            entry.update(success=False, error=e.message, error_type=ERROR_TYPE, reason=e.reason,
                         status_code=http_status(e.code, e.reason))
        else:
            data = convert.document(response.result.document_json)
            entry.update(success=True, **data)
            for key in _SUMMARY_KEYS:
                totals[key] += data["summary"][key]
        results.append(entry)
    message = f"Batch processing completed for {len(files)} images"
    if failed:
        message += f" ({failed} failed)"
    data = {"total_images": len(files), "successful_images": len(files) - failed, "failed_images": failed,
            "results": results, "batch_summary": totals}
    return success(message, data, started, limits.tz)

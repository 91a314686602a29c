"""ALPR core endpoints: the full pipeline for one image or a batch."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from clients import ImageItem
from rest_bridge import convert
from rest_bridge.errors import ERROR_TYPE, ApiError, envelope, http_status
from rest_bridge.responses import success
from rest_bridge.routes.deps import ClientDep, LimitsDep
from rest_bridge.routes.stage_call import add_image_route
from rest_bridge.service_limits import ServiceLimits
from rest_bridge.uploads import image_item
from server.errors import Reason

router = APIRouter(prefix="/alpr-core", tags=["alpr-core"])

_SUMMARY_KEYS = ("total_detections", "vehicles_with_plates", "vehicles_without_plates",
                 "plates_without_vehicles")


add_image_route(router, "/process-single-image", "process", name="process_single_image",
                summary="Process a single image through the complete ALPR pipeline",
                description="Vehicles, plates, readings and pairing for one image.",
                message="ALPR processing completed successfully")


@router.post("/process-multiple-images", summary="Process up to 10 images through the complete pipeline",
             response_model=None)
async def process_multiple_images(
    client: ClientDep,
    limits: LimitsDep,
    files: Annotated[list[UploadFile], File(description="Image files (max 10)")],
    custom_timestamp: Annotated[str, Form(description="Custom timestamp prefix (free text)")] = "",
) -> dict[str, Any] | JSONResponse:
    """Each image in its own result; one bad image never loses the others."""
    started = time.perf_counter()
    if not files:
        raise ApiError(Reason.NO_FILES, "No files uploaded")
    if len(files) > limits.max_batch_files:
        raise ApiError(Reason.TOO_MANY_FILES, f"Too many files: {len(files)}; the maximum is "
                                              f"{limits.max_batch_files} files per request")
    # Each upload is read (and size-checked) on its own: one over the limit, or an empty part, is that
    # item's error; the others are still processed.
    prepared: list[ImageItem | ApiError] = []
    for upload in files:
        try:
            prepared.append(await image_item(upload, limits.max_upload_bytes, batch_prefix=custom_timestamp))
        except ApiError as exc:
            prepared.append(exc)
    good = [p for p in prepared if isinstance(p, ImageItem)]
    answered = iter(await client.run("process", good) if good else [])
    results: list[dict[str, Any]] = []
    totals = dict.fromkeys(_SUMMARY_KEYS, 0)
    failed_statuses: list[int] = []
    for index, (upload, item) in enumerate(zip(files, prepared, strict=True), start=1):
        entry: dict[str, Any] = {"batch_index": index, "original_filename": upload.filename or ""}
        if isinstance(item, ApiError):
            failed_statuses.append(item.status_code)
            entry.update(success=False, error=item.message, error_type=ERROR_TYPE, reason=item.reason,
                         status_code=item.status_code)
            results.append(entry)
            continue
        response = next(answered)
        if response.HasField("error"):
            e = response.error
            status = http_status(e.code, e.reason)
            failed_statuses.append(status)
            entry.update(success=False, error=e.message, error_type=ERROR_TYPE, reason=e.reason, status_code=status)
        else:
            data = convert.document(response.result.document_json)
            entry.update(success=True, **data)
            for key in _SUMMARY_KEYS:
                totals[key] += data["summary"][key]
        results.append(entry)
    failed = len(failed_statuses)
    message = f"Batch processing completed for {len(files)} images"
    if failed:
        message += f" ({failed} failed)"
    data = {"total_images": len(files), "successful_images": len(files) - failed, "failed_images": failed,
            "results": results, "batch_summary": totals}
    if failed == len(files):
        return _all_failed(len(files), failed_statuses, data, limits)
    return success(message, data, started, limits.tz)


def _all_failed(count: int, statuses: list[int], data: dict[str, Any], limits: ServiceLimits) -> JSONResponse:
    """Every image failed: the error envelope (success false) with the per-image results as `data`.

    The status is the images' own when they agree; otherwise 503 when all are server-side, else 400.
    """
    distinct = set(statuses)
    status = distinct.pop() if len(distinct) == 1 else (503 if min(statuses) >= 500 else 400)
    body = envelope(f"All {count} images failed", limits.tz, reason=Reason.BATCH_FAILED, status_code=status)
    body["data"] = data
    return JSONResponse(status_code=status, content=body)

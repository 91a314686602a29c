"""Read history: search (JSON, paged by cursor) and CSV export."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import grpc
from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from galaxy.alpr.v1 import history_service_pb2 as hpb
from rest_bridge import history_convert as convert
from rest_bridge.errors import from_rpc_error
from rest_bridge.responses import success
from rest_bridge.routes.deps import ClientDep, LimitsDep

router = APIRouter(prefix="/history", tags=["history"])
_MATCH = {"": hpb.PLATE_MATCH_UNSPECIFIED, "exact": hpb.PLATE_MATCH_EXACT, "prefix": hpb.PLATE_MATCH_PREFIX,
          "fuzzy": hpb.PLATE_MATCH_FUZZY}


def read_filter(
    plate: Annotated[str, Query(description="Plate text; spaces and punctuation ignored")] = "",
    match: Annotated[Literal["", "exact", "prefix", "fuzzy"],
                     Query(description="exact (default), prefix, or fuzzy (default when max_distance > 0)")] = "",
    max_distance: Annotated[float, Query(ge=0, le=2, description="Fuzzy: weighted edits; look-alikes cost 0.5")] = 0,
    since: Annotated[str, Query(description="ISO 8601; without an offset: the server's timezone")] = "",
    until: Annotated[str, Query(description="ISO 8601")] = "",
    camera_id: str = "",
    region_code: str = "",
    plate_type: str = "",
    vehicle_class: str = "",
) -> hpb.ReadFilter:
    """The query parameters every history endpoint shares."""
    return hpb.ReadFilter(plate=plate, match=_MATCH[match], max_distance=max_distance, since=since, until=until,
                          camera_id=camera_id, region_code=region_code, plate_type=plate_type,
                          vehicle_class=vehicle_class)


FilterDep = Annotated[hpb.ReadFilter, Depends(read_filter)]


async def _csv(client: ClientDep, read_filter: hpb.ReadFilter) -> StreamingResponse:
    stream = client.history.export_reads(hpb.ExportReadsRequest(filter=read_filter))
    try:
        first = await stream.__anext__()
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc) from exc
    except StopAsyncIteration:
        first = hpb.ExportReadsResponse()

    async def body() -> AsyncIterator[bytes]:
        yield first.chunk
        async for message in stream:
            yield message.chunk

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="reads.csv"'})


@router.get("/reads", summary="Search recorded plate reads (newest first); format=csv for a CSV export",
            response_model=None)
async def search_reads(
    client: ClientDep,
    limits: LimitsDep,
    read_filter: FilterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: str = "",
    format: Annotated[Literal["json", "csv"], Query(description="csv: every match, all pages")] = "json",
) -> dict[str, Any] | StreamingResponse:
    """data = {reads: [...], next_cursor}; pass next_cursor back as cursor for the next page."""
    if format == "csv":
        return await _csv(client, read_filter)
    started = time.perf_counter()
    response = await client.history.search_reads(
        hpb.SearchReadsRequest(filter=read_filter, limit=limit, cursor=cursor))
    reads = [convert.history_read(r) for r in response.reads]
    return success(f"Found {len(reads)} reads", {"reads": reads, "next_cursor": response.next_cursor or None},
                   started, limits.tz)


@router.get("/reads.csv", summary="Every matching read as CSV", response_class=StreamingResponse)
async def export_reads(client: ClientDep, read_filter: FilterDep) -> StreamingResponse:
    """The same filters as /history/reads; all pages."""
    return await _csv(client, read_filter)

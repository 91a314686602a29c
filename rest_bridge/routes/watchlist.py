"""Watch lists and their alerts."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from galaxy.alpr.v1 import history_service_pb2 as hpb
from rest_bridge import history_convert as convert
from rest_bridge.responses import success
from rest_bridge.routes.deps import ClientDep, LimitsDep

router = APIRouter(tags=["watchlist"])


class WatchlistEntryIn(BaseModel):
    """POST /watchlist body."""

    model_config = ConfigDict(extra="forbid")

    plate_number: str = Field(min_length=1, max_length=64, description='e.g. "B 1234 CD"')
    match_distance: float = Field(0, ge=0, le=2, description="Weighted edits tolerated; look-alikes cost 0.5")
    label: str = Field("", max_length=255)
    webhook_url: str = Field("", max_length=2000, description="Alerts are POSTed here as JSON")


@router.post("/watchlist", summary="Add a plate to the watch list")
async def add_entry(body: WatchlistEntryIn, client: ClientDep, limits: LimitsDep) -> dict[str, Any]:
    """data = the entry, with its entry_id."""
    started = time.perf_counter()
    response = await client.history.create_watchlist_entry(
        hpb.CreateWatchlistEntryRequest(plate_number=body.plate_number, match_distance=body.match_distance,
                                        label=body.label, webhook_url=body.webhook_url))
    return success("Watch-list entry added", convert.watchlist_entry(response.entry), started, limits.tz)


@router.get("/watchlist", summary="The watch list")
async def list_entries(client: ClientDep, limits: LimitsDep) -> dict[str, Any]:
    """data = {entries: [...]}, oldest first."""
    started = time.perf_counter()
    response = await client.history.list_watchlist_entries()
    entries = [convert.watchlist_entry(e) for e in response.entries]
    return success(f"{len(entries)} watch-list entries", {"entries": entries}, started, limits.tz)


@router.delete("/watchlist/{entry_id}", summary="Remove a watch-list entry (its alerts stay)")
async def delete_entry(entry_id: str, client: ClientDep, limits: LimitsDep) -> dict[str, Any]:
    """404 when there is no such entry."""
    started = time.perf_counter()
    await client.history.delete_watchlist_entry(entry_id)
    return success("Watch-list entry deleted", {"entry_id": entry_id}, started, limits.tz)


@router.get("/alerts", summary="Alerts raised by watch-list matches, newest first")
async def list_alerts(
    client: ClientDep,
    limits: LimitsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    entry_id: str = "",
    since: str = "",
) -> dict[str, Any]:
    """data = {alerts: [...]}, each with its webhook delivery state and its read."""
    started = time.perf_counter()
    response = await client.history.list_alerts(hpb.ListAlertsRequest(limit=limit, entry_id=entry_id, since=since))
    alerts = [convert.alert(a) for a in response.alerts]
    return success(f"{len(alerts)} alerts", {"alerts": alerts}, started, limits.tz)

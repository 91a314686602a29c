"""AsyncAlprClient.history over a real gRPC server: the watch list, a search, the CSV export, NOT_FOUND."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from clients import AsyncAlprClient
from clients.channel import Deadlines
from galaxy.alpr.v1 import history_service_pb2 as hpb


def test_history_client_round_trip(grpc_target: str) -> None:
    async def scenario() -> None:
        async with AsyncAlprClient(grpc_target, deadlines=Deadlines(call_s=30, per_image_s=10, unary_s=10)) as client:
            created = await client.history.create_watchlist_entry(
                hpb.CreateWatchlistEntryRequest(plate_number="DK 4321 ZZ", match_distance=0.5, label="client"))
            entries = (await client.history.list_watchlist_entries()).entries
            assert created.entry.entry_id in [e.entry_id for e in entries]
            page = await client.history.search_reads(hpb.SearchReadsRequest(
                filter=hpb.ReadFilter(plate="DK4321ZZ", max_distance=1), limit=5))
            assert page.next_cursor == "" and list(page.reads) == []
            chunks = [c.chunk async for c in client.history.export_reads(
                hpb.ExportReadsRequest(filter=hpb.ReadFilter(camera_id="none")))]
            assert b"".join(chunks).startswith(b"read_id,")
            alerts = await client.history.list_alerts(hpb.ListAlertsRequest(entry_id=created.entry.entry_id))
            assert list(alerts.alerts) == []
            await client.history.delete_watchlist_entry(created.entry.entry_id)
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await client.history.delete_watchlist_entry(created.entry.entry_id)
            assert info.value.code() == grpc.StatusCode.NOT_FOUND

    asyncio.run(scenario())


def test_sync_history_client(grpc_target: str) -> None:
    from clients import AlprClient

    with AlprClient(grpc_target, timeout_s=10) as client:
        entry = client.history.create_watchlist_entry(hpb.CreateWatchlistEntryRequest(plate_number="KT 9 AB")).entry
        assert entry.entry_id in [e.entry_id for e in client.history.list_watchlist_entries().entries]
        assert b"".join(client.history.export_csv(hpb.ExportReadsRequest(
            filter=hpb.ReadFilter(camera_id="none")))).startswith(b"read_id,")
        assert client.history.search_reads(hpb.SearchReadsRequest(filter=hpb.ReadFilter(plate="KT9AB"))).reads == []
        assert list(client.history.list_alerts(hpb.ListAlertsRequest(entry_id=entry.entry_id)).alerts) == []
        client.history.delete_watchlist_entry(entry.entry_id)
        with pytest.raises(grpc.RpcError) as info:
            client.history.delete_watchlist_entry(entry.entry_id)
        assert info.value.code() == grpc.StatusCode.NOT_FOUND

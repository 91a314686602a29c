"""Typed clients of HistoryService (reads, watch list, alerts) on an existing channel, sync and asyncio."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import grpc

from clients.channel import Deadlines, call_metadata, new_request_id
from galaxy.alpr.v1 import history_service_pb2 as hpb
from galaxy.alpr.v1 import history_service_pb2_grpc as hpb_grpc

# An export streams every matching read: it may take this many unary deadlines.
EXPORT_DEADLINE_FACTOR = 10


class AsyncHistoryClient:
    """HistoryService calls with the channel's deadline policy and a request id each."""

    def __init__(self, channel: grpc.aio.Channel, deadlines: Deadlines, *, api_key: str = "") -> None:
        self._api_key = api_key
        self._stub = hpb_grpc.HistoryServiceStub(channel)
        self._deadlines = deadlines

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return call_metadata(self._api_key, new_request_id())

    async def search_reads(self, request: hpb.SearchReadsRequest) -> hpb.SearchReadsResponse:
        """One page of reads."""
        response: hpb.SearchReadsResponse = await self._stub.SearchReads(
            request, timeout=self._deadlines.unary_s, metadata=self._metadata())
        return response

    def export_reads(self, request: hpb.ExportReadsRequest) -> AsyncIterator[hpb.ExportReadsResponse]:
        """CSV chunks of every matching read."""
        unary = self._deadlines.unary_s
        call = self._stub.ExportReads(request, timeout=unary * EXPORT_DEADLINE_FACTOR if unary else None,
                                      metadata=self._metadata())
        chunks: AsyncIterator[hpb.ExportReadsResponse] = call.__aiter__()
        return chunks

    async def create_watchlist_entry(self, request: hpb.CreateWatchlistEntryRequest,
                                     ) -> hpb.CreateWatchlistEntryResponse:
        """Add an entry."""
        response: hpb.CreateWatchlistEntryResponse = await self._stub.CreateWatchlistEntry(
            request, timeout=self._deadlines.unary_s, metadata=self._metadata())
        return response

    async def list_watchlist_entries(self) -> hpb.ListWatchlistEntriesResponse:
        """Every entry."""
        response: hpb.ListWatchlistEntriesResponse = await self._stub.ListWatchlistEntries(
            hpb.ListWatchlistEntriesRequest(), timeout=self._deadlines.unary_s, metadata=self._metadata())
        return response

    async def delete_watchlist_entry(self, entry_id: str) -> None:
        """Remove an entry (NOT_FOUND when there is none)."""
        await self._stub.DeleteWatchlistEntry(hpb.DeleteWatchlistEntryRequest(entry_id=entry_id),
                                              timeout=self._deadlines.unary_s, metadata=self._metadata())

    async def list_alerts(self, request: hpb.ListAlertsRequest) -> hpb.ListAlertsResponse:
        """Newest alerts."""
        response: hpb.ListAlertsResponse = await self._stub.ListAlerts(
            request, timeout=self._deadlines.unary_s, metadata=self._metadata())
        return response


class HistoryClient:
    """The synchronous twin of AsyncHistoryClient (AlprClient(...).history)."""

    def __init__(self, channel: grpc.Channel, deadlines: Deadlines, *, api_key: str = "") -> None:
        self._api_key = api_key
        self._stub = hpb_grpc.HistoryServiceStub(channel)
        self._deadlines = deadlines

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return call_metadata(self._api_key, new_request_id())

    def search_reads(self, request: hpb.SearchReadsRequest) -> hpb.SearchReadsResponse:
        """One page of reads."""
        return self._stub.SearchReads(request, timeout=self._deadlines.unary_s, metadata=self._metadata())

    def export_csv(self, request: hpb.ExportReadsRequest) -> Iterator[bytes]:
        """CSV bytes of every matching read, chunk by chunk."""
        unary = self._deadlines.unary_s
        for message in self._stub.ExportReads(request, timeout=unary * EXPORT_DEADLINE_FACTOR if unary else None,
                                              metadata=self._metadata()):
            yield message.chunk

    def create_watchlist_entry(self, request: hpb.CreateWatchlistEntryRequest) -> hpb.CreateWatchlistEntryResponse:
        """Add an entry."""
        return self._stub.CreateWatchlistEntry(request, timeout=self._deadlines.unary_s, metadata=self._metadata())

    def list_watchlist_entries(self) -> hpb.ListWatchlistEntriesResponse:
        """Every entry."""
        return self._stub.ListWatchlistEntries(hpb.ListWatchlistEntriesRequest(), timeout=self._deadlines.unary_s,
                                               metadata=self._metadata())

    def delete_watchlist_entry(self, entry_id: str) -> None:
        """Remove an entry (NOT_FOUND when there is none)."""
        self._stub.DeleteWatchlistEntry(hpb.DeleteWatchlistEntryRequest(entry_id=entry_id),
                                        timeout=self._deadlines.unary_s, metadata=self._metadata())

    def list_alerts(self, request: hpb.ListAlertsRequest) -> hpb.ListAlertsResponse:
        """Newest alerts."""
        return self._stub.ListAlerts(request, timeout=self._deadlines.unary_s, metadata=self._metadata())

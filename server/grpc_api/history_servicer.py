"""HistoryService servicer: unpack, call the history store, pack."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import grpc

from galaxy.alpr.v1 import history_service_pb2 as hpb
from galaxy.alpr.v1 import history_service_pb2_grpc as hpb_grpc
from server.errors import HistoryDisabledError
from server.grpc_api import history_convert as convert
from server.history.records import NewWatchEntry
from server.history.store import HistoryStore
from server.history.timeutil import parse_time

CSV_CHUNK_BYTES = 64 * 1024
DEFAULT_ALERTS = 100


class HistoryServicer(hpb_grpc.HistoryServiceServicer):
    """gRPC face of the history store (errors become statuses in the ErrorInterceptor)."""

    def __init__(self, store: HistoryStore | None, tz: ZoneInfo) -> None:
        self._history = store
        self._tz = tz

    @property
    def _store(self) -> HistoryStore:
        if self._history is None:
            raise HistoryDisabledError("the read history is disabled (history.enabled: false)")
        return self._history

    def SearchReads(self, request: hpb.SearchReadsRequest, context: grpc.ServicerContext) -> hpb.SearchReadsResponse:
        """One page of reads."""
        page = self._store.search(convert.read_query(request.filter, self._tz, limit=request.limit,
                                                     cursor=request.cursor))
        return hpb.SearchReadsResponse(reads=[convert.history_read(r, self._tz) for r in page.reads],
                                       next_cursor=page.next_cursor)

    def ExportReads(self, request: hpb.ExportReadsRequest,
                    context: grpc.ServicerContext) -> Iterator[hpb.ExportReadsResponse]:
        """Every matching read as CSV chunks."""
        buffer = bytearray()
        for line in self._store.export_csv(convert.read_query(request.filter, self._tz)):
            buffer += line.encode()
            if len(buffer) >= CSV_CHUNK_BYTES:
                yield hpb.ExportReadsResponse(chunk=bytes(buffer))
                buffer.clear()
            if not context.is_active():
                return
        if buffer:
            yield hpb.ExportReadsResponse(chunk=bytes(buffer))

    def CreateWatchlistEntry(self, request: hpb.CreateWatchlistEntryRequest,
                             context: grpc.ServicerContext) -> hpb.CreateWatchlistEntryResponse:
        """Add an entry."""
        entry = self._store.add_watch_entry(NewWatchEntry(request.plate_number, request.match_distance,
                                                          request.label, request.webhook_url))
        return hpb.CreateWatchlistEntryResponse(entry=convert.watchlist_entry(entry, self._tz))

    def ListWatchlistEntries(self, request: hpb.ListWatchlistEntriesRequest,
                             context: grpc.ServicerContext) -> hpb.ListWatchlistEntriesResponse:
        """Every entry."""
        return hpb.ListWatchlistEntriesResponse(
            entries=[convert.watchlist_entry(e, self._tz) for e in self._store.list_watch_entries()])

    def DeleteWatchlistEntry(self, request: hpb.DeleteWatchlistEntryRequest,
                             context: grpc.ServicerContext) -> hpb.DeleteWatchlistEntryResponse:
        """Remove an entry."""
        self._store.delete_watch_entry(request.entry_id)
        return hpb.DeleteWatchlistEntryResponse()

    def ListAlerts(self, request: hpb.ListAlertsRequest, context: grpc.ServicerContext) -> hpb.ListAlertsResponse:
        """Newest alerts."""
        alerts = self._store.list_alerts(limit=request.limit or DEFAULT_ALERTS, entry_id=request.entry_id,
                                         since=parse_time(request.since, self._tz))
        return hpb.ListAlertsResponse(alerts=[convert.alert(a, self._tz) for a in alerts])

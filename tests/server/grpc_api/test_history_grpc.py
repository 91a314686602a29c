"""HistoryService over a real gRPC channel: registered, errors as rich statuses, CSV export streamed."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from galaxy.alpr.v1 import history_service_pb2 as hpb
from galaxy.alpr.v1 import history_service_pb2_grpc as hpb_grpc


@pytest.fixture
def history(grpc_target: str) -> Iterator[hpb_grpc.HistoryServiceStub]:
    with grpc.insecure_channel(grpc_target) as channel:
        yield hpb_grpc.HistoryServiceStub(channel)


def reason_of(exc: grpc.RpcError) -> str:
    status = rpc_status.from_call(exc)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    return str(info.reason)


def test_watchlist_round_trip(history: hpb_grpc.HistoryServiceStub) -> None:
    created = history.CreateWatchlistEntry(hpb.CreateWatchlistEntryRequest(plate_number="B 77 XY", match_distance=1,
                                                                           label="grpc"), timeout=10)
    assert created.entry.entry_id and created.entry.plate_normalized == "B77XY"
    listed = history.ListWatchlistEntries(hpb.ListWatchlistEntriesRequest(), timeout=10).entries
    assert created.entry.entry_id in [e.entry_id for e in listed]
    history.DeleteWatchlistEntry(hpb.DeleteWatchlistEntryRequest(entry_id=created.entry.entry_id), timeout=10)
    with pytest.raises(grpc.RpcError) as info:
        history.DeleteWatchlistEntry(hpb.DeleteWatchlistEntryRequest(entry_id=created.entry.entry_id), timeout=10)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND and reason_of(info.value) == "WATCHLIST_ENTRY_NOT_FOUND"


@pytest.mark.parametrize(("request_", "reason"), [
    (hpb.SearchReadsRequest(limit=5000), "INVALID_QUERY"),
    (hpb.SearchReadsRequest(filter=hpb.ReadFilter(since="not a time")), "INVALID_TIME"),
    (hpb.SearchReadsRequest(cursor="%%%"), "INVALID_CURSOR"),
    (hpb.SearchReadsRequest(filter=hpb.ReadFilter(plate="B1", max_distance=9)), "INVALID_QUERY"),
])
def test_bad_searches_are_invalid_argument(history: hpb_grpc.HistoryServiceStub, request_: hpb.SearchReadsRequest,
                                           reason: str) -> None:
    with pytest.raises(grpc.RpcError) as info:
        history.SearchReads(request_, timeout=10)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and reason_of(info.value) == reason


def test_export_streams_a_csv_header(history: hpb_grpc.HistoryServiceStub) -> None:
    chunks = list(history.ExportReads(hpb.ExportReadsRequest(filter=hpb.ReadFilter(camera_id="nowhere")), timeout=10))
    assert b"".join(c.chunk for c in chunks).decode().startswith("read_id,read_time,")

"""Page cursors round-trip and refuse what the store did not make."""

from __future__ import annotations

from datetime import datetime

import pytest

from server.history.cursor import InvalidCursorError, decode_cursor, encode_cursor


def test_round_trip() -> None:
    moment = datetime(2026, 12, 1, 8, 30, 15, 123456)
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90LWEtY3Vyc29y", encode_cursor(datetime(2026, 1, 1), 1)[:-3]])
def test_garbage_is_invalid(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor)

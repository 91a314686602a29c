"""CSV export of reads (one header line, then one line per read): columns of the one read document."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from server.history.payload import read_json
from server.history.records import StoredRead

COLUMNS = (
    "read_id", "read_time", "source", "camera_id", "request_id", "track_id", "plate_text", "plate_number",
    "plate_normalized", "confidence", "plate_valid", "plate_region_code", "plate_region_name", "plate_type",
    "plate_text_color", "plate_background_color", "plate_date", "vehicle_class", "direction", "plate_box",
    "vehicle_box", "original_filename", "evidence_image_path", "plate_image_path", "vehicle_image_path",
    "uploaded_image_path",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_lines(pages: Iterable[list[StoredRead]], tz: ZoneInfo) -> Iterator[str]:
    """Header then rows, each a complete CSV line (RFC 4180 quoting, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for page in pages:
        for stored in page:
            row = read_json(stored, tz)
            writer.writerow([_cell(row[c]) for c in COLUMNS])
        if page:
            yield flush()

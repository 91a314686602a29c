"""Read searches: exact, prefix and fuzzy plate matching plus filters, newest first, cursor-paged.

Fuzzy matching uses the deletion-neighbourhood index (plate_variants): every distinct plate stores the
strings made by deleting up to MAX_FUZZY_DISTANCE characters of its folded key. Two folded keys within
edit distance k share such a string with at most k deletions on each side, so the query's own variants
find every candidate with a handful of primary-key lookups; the weighted distance then checks each.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from server.errors import InvalidInputError, Reason
from server.history.cursor import decode_cursor, encode_cursor
from server.history.models import Plate, PlateVariant, Read
from server.history.plates import MAX_FUZZY_DISTANCE, MAX_PLATE_LENGTH, deletion_variants
from server.history.records import ReadPage, ReadQuery
from server.history.rows import stored_read
from server.history.timeutil import to_db
from server.plates.identity import fold, normalise, weighted_distance

MAX_LIMIT = 1000


def validate(query: ReadQuery) -> None:
    """InvalidInputError for a query that cannot run."""
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}", reason=Reason.INVALID_QUERY)
    if query.match not in ("exact", "prefix", "fuzzy"):
        raise InvalidInputError(f"match must be exact, prefix or fuzzy, not {query.match!r}",
                                reason=Reason.INVALID_QUERY)
    if not 0 <= query.max_distance <= MAX_FUZZY_DISTANCE or math.isnan(query.max_distance):
        raise InvalidInputError(f"max_distance must be between 0 and {MAX_FUZZY_DISTANCE}",
                                reason=Reason.INVALID_QUERY)
    if query.plate and not 0 < len(normalise(query.plate)) <= MAX_PLATE_LENGTH:
        raise InvalidInputError(f"plate must have 1 to {MAX_PLATE_LENGTH} letters or digits",
                                reason=Reason.INVALID_PLATE)
    if query.since and query.until and query.since > query.until:
        raise InvalidInputError("since is after until", reason=Reason.INVALID_QUERY)


def fuzzy_plate_ids(session: Session, plate: str, max_distance: float) -> dict[int, float]:
    """{plate_id: weighted distance} of every distinct plate within max_distance of `plate`."""
    text = normalise(plate)
    depth = math.floor(max_distance + 1e-9)
    variants = deletion_variants(fold(text), depth)
    candidates = (select(PlateVariant.plate_id)
                  .where(PlateVariant.variant.in_(list(variants)), PlateVariant.deletions <= depth))
    found: dict[int, float] = {}
    for plate_id, other in session.execute(select(Plate.id, Plate.text).where(Plate.id.in_(candidates))):
        distance = weighted_distance(text, other, limit=max_distance)
        if distance <= max_distance + 1e-9:
            found[plate_id] = distance
    return found


def _prefix_bounds(prefix: str) -> tuple[str, str]:
    """[prefix, next) so that a range scan on an index finds every text starting with prefix."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _filters(query: ReadQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.since is not None:
        conditions.append(Read.read_at >= to_db(query.since))
    if query.until is not None:
        conditions.append(Read.read_at <= to_db(query.until))
    for column, value in ((Read.camera_id, query.camera_id), (Read.region_code, query.region_code),
                          (Read.plate_type, query.plate_type), (Read.vehicle_class, query.vehicle_class)):
        if value:
            conditions.append(column == value)
    if query.cursor:
        moment, read_id = decode_cursor(query.cursor)
        conditions.append(or_(Read.read_at < moment, and_(Read.read_at == moment, Read.id < read_id)))
    return conditions


def search_reads(session: Session, query: ReadQuery) -> ReadPage:
    """One page of reads matching the query, newest first."""
    validate(query)
    statement: Select[Any] = select(Read)
    distances: dict[int, float] = {}
    if query.plate:
        text = normalise(query.plate)
        if query.match == "fuzzy" and query.max_distance > 0:
            distances = fuzzy_plate_ids(session, text, query.max_distance)
            if not distances:
                return ReadPage([])
            statement = statement.where(Read.plate_id.in_(list(distances)))
        elif query.match == "prefix":
            low, high = _prefix_bounds(text)
            statement = statement.where(Read.plate_normalized >= low, Read.plate_normalized < high)
        else:
            statement = statement.where(Read.plate_normalized == text)
    statement = statement.where(*_filters(query)).order_by(Read.read_at.desc(), Read.id.desc())
    rows = session.execute(statement.limit(query.limit + 1)).scalars().all()
    page = rows[:query.limit]
    reads = [stored_read(r, distances.get(r.plate_id, 0.0)) for r in page]
    more = len(rows) > query.limit
    return ReadPage(reads, encode_cursor(page[-1].read_at, page[-1].id) if more and page else "")

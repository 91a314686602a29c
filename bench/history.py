"""History search benchmark: p50/p95 of fuzzy, exact and prefix searches over generated reads.

    python -m bench.history [--reads 1000000] [--plates 250000] [--queries 300] [--only sqlite,postgres]
    make bench BENCH_ARGS=--history

Rows are generated here (Indonesian-style plates, a few reads per plate over 90 days, 20 cameras) and
bulk-loaded with the store's own key functions; the searches then go through HistoryStore.search, the
code the API runs. PostgreSQL is a throwaway cluster (scripts/pg_cluster.py) unless --postgres-url.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import string
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from bench.stats import Json, load_avg, summarize
from server.history.database import make_engine, sqlite_url
from server.history.plates import MAX_FUZZY_DISTANCE, deletion_variants
from server.history.records import NewRead, ReadQuery
from server.history.rows import read_columns
from server.history.store import HistoryStore
from server.plates.identity import LOOKALIKE_GROUPS, fold, normalise

log = logging.getLogger("bench.history")
PREFIXES = ("B", "D", "F", "L", "N", "AB", "AD", "BK", "DK", "KT", "DA", "H", "W", "AG", "BE", "KB")
CLASSES = ("car", "motorcycle", "bus", "truck")
START = datetime(2026, 9, 1, tzinfo=timezone.utc)


def make_plates(count: int, rng: random.Random) -> list[str]:
    """`count` distinct formatted plates like "B 1234 CD"."""
    plates: set[str] = set()
    while len(plates) < count:
        digits = "".join(rng.choices(string.digits, k=rng.choice((3, 4, 4, 4))))
        suffix = "".join(rng.choices(string.ascii_uppercase, k=rng.choice((1, 2, 2, 3))))
        plates.add(f"{rng.choice(PREFIXES)} {digits} {suffix}")
    return sorted(plates, key=lambda _: rng.random())


def misread(plate: str, rng: random.Random) -> str:
    """The plate with one character wrong: a look-alike, another character, one dropped or one added."""
    chars = list(normalise(plate))
    i = rng.randrange(len(chars))
    kind = rng.random()
    group = next((g for g in LOOKALIKE_GROUPS if chars[i] in g), "")
    if kind < 0.4 and group:
        chars[i] = rng.choice([c for c in group if c != chars[i]])
    elif kind < 0.7:
        chars[i] = rng.choice([c for c in string.ascii_uppercase + string.digits if c != chars[i]])
    elif kind < 0.85 and len(chars) > 4:
        del chars[i]
    else:
        chars.insert(i, rng.choice(string.digits))
    return "".join(chars)


def generated_reads(plates: list[str], count: int, rng: random.Random) -> Iterator[NewRead]:
    """`count` reads over the plates (every plate at least once), spread over 90 days."""
    for n in range(count):
        plate = plates[n] if n < len(plates) else rng.choice(plates)
        yield NewRead(
            read_at=START + timedelta(seconds=rng.randrange(90 * 86400)), plate_text=plate.replace(" ", ""),
            plate_number=plate, camera_id=f"cam-{rng.randrange(20):02d}", request_id=f"bench-{n}",
            confidence=rng.uniform(0.5, 1.0), plate_valid=True, region_code=plate.split()[0], plate_type="private",
            vehicle_class=rng.choice(CLASSES), plate_box=(100, 200, 220, 240), vehicle_box=(50, 80, 400, 300),
            evidence_image_path=f"images_processed/detected_plate_images/bench_{n}.jpg")


def _copy(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite (raw DBAPI: the SQL is the same)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.execute("PRAGMA cache_size=-1000000")
            marks = ", ".join("?" for _ in columns)
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 50_000:
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
        raw.commit()
    finally:
        raw.close()


def load(engine: Engine, plates: list[str], reads: int, rng: random.Random) -> float:
    """Bulk-load plates, their variants and the reads (the store's key functions); returns seconds taken."""
    started = time.perf_counter()
    plate_ids = {normalise(p): i for i, p in enumerate(plates, start=1)}
    _copy(engine, "plates", ("id", "text", "folded"),
          ((pid, norm, fold(norm)) for norm, pid in plate_ids.items()))

    def variants() -> Iterator[tuple[Any, ...]]:
        for norm, pid in plate_ids.items():
            for v, d in deletion_variants(fold(norm), MAX_FUZZY_DISTANCE).items():
                yield (v, d, pid)

    _copy(engine, "plate_variants", ("variant", "deletions", "plate_id"), variants())
    columns = (*read_columns(NewRead(START, "X")).keys(), "plate_id", "plate_normalized", "plate_folded")

    def read_rows() -> Iterator[tuple[Any, ...]]:
        for read in generated_reads(plates, reads, rng):
            norm = normalise(read.plate_text)
            yield (*read_columns(read).values(), plate_ids[norm], norm, fold(norm))

    _copy(engine, "reads", columns, read_rows())
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('plates_id_seq', (SELECT max(id) FROM plates))"))
            conn.execute(text("SELECT setval('reads_id_seq', (SELECT max(id) FROM reads))"))
        conn.execute(text("ANALYZE"))
    log.info("loaded %d plates and %d reads in %.0fs", len(plates), reads, time.perf_counter() - started)
    return time.perf_counter() - started


def time_queries(store: HistoryStore, queries: list[ReadQuery], warmup: int = 20) -> Json:
    """Latency summary and mean hits of the queries (after a warm-up)."""
    for q in queries[:warmup]:
        store.search(q)
    times, hits = [], 0
    for q in queries:
        start = time.perf_counter()
        page = store.search(q)
        times.append((time.perf_counter() - start) * 1e3)
        hits += len(page.reads)
    return {"latency_ms": summarize(times), "mean_hits": round(hits / max(1, len(queries)), 2)}


def bench_database(url: str, *, reads: int, plates: int, queries: int, seed: int) -> Json:
    """Migrate, load, then time the searches on one database."""
    rng = random.Random(seed)
    engine = make_engine(url)
    store = HistoryStore(engine, tz=ZoneInfo("UTC"))  # runs the migrations: same schema and indexes as the service
    names = make_plates(plates, rng)
    load_s = load(engine, names, reads, rng)
    sample = [rng.choice(names) for _ in range(queries)]
    fuzzy1 = [ReadQuery(plate=misread(p, rng), match="fuzzy", max_distance=1, limit=50) for p in sample]
    found = sum(1 for q, p in zip(fuzzy1, sample, strict=True)
                if any(r.plate_normalized == normalise(p) for r in store.search(q).reads))
    entry: Json = {
        "database": engine.dialect.name, "reads": store.count_reads(), "distinct_plates": plates,
        "load_s": round(load_s, 1), "load_before": load_avg(),
        "fuzzy_d1_one_char_off": time_queries(store, fuzzy1),
        "fuzzy_d1_recall_of_true_plate": round(found / len(sample), 3),
        "fuzzy_d2_one_char_off": time_queries(store, [ReadQuery(plate=q.plate, match="fuzzy", max_distance=2,
                                                                limit=50) for q in fuzzy1]),
        "fuzzy_d1_with_camera_and_since": time_queries(store, [
            ReadQuery(plate=q.plate, match="fuzzy", max_distance=1, camera_id="cam-03",
                      since=START + timedelta(days=30), limit=50) for q in fuzzy1]),
        "exact": time_queries(store, [ReadQuery(plate=p, limit=50) for p in sample]),
        "prefix_4_chars": time_queries(store, [ReadQuery(plate=normalise(p)[:4], match="prefix", limit=50)
                                               for p in sample]),
        "latest_no_plate": time_queries(store, [ReadQuery(limit=50)] * min(queries, 100)),
        "load_after": load_avg(),
    }
    store.close()
    return entry


def main(argv: list[str] | None = None) -> int:
    """CLI: benchmark SQLite and PostgreSQL; writes bench/results/history.json."""
    parser = argparse.ArgumentParser(description="history search benchmark")
    parser.add_argument("--reads", type=int, default=1_000_000)
    parser.add_argument("--plates", type=int, default=250_000, help="distinct plates among the reads")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--only", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default="", help="use this database instead of a throwaway cluster")
    parser.add_argument("--quick", action="store_true", help="20k reads, 5k plates, 100 queries")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.quick:
        args.reads, args.plates, args.queries = 20_000, 5_000, 100
    results: Json = {"reads": args.reads, "plates": args.plates, "queries": args.queries, "databases": {}}
    sizes = {"reads": args.reads, "plates": min(args.plates, args.reads), "queries": args.queries, "seed": args.seed}
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        if "sqlite" in args.only:
            results["databases"]["sqlite"] = bench_database(sqlite_url(Path(tmp) / "history.db"), **sizes)
        if "postgres" in args.only:
            if args.postgres_url:
                results["databases"]["postgresql"] = bench_database(args.postgres_url, **sizes)
            else:
                from scripts.pg_cluster import PgCluster, unavailable_reason

                reason = unavailable_reason()
                if reason:
                    results["databases"]["postgresql"] = {"skipped": reason}
                else:
                    with PgCluster(durable=True) as cluster:
                        results["databases"]["postgresql"] = bench_database(cluster.url, **sizes)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "history.json").write_text(json.dumps(results, indent=2))
    for name, entry in results["databases"].items():
        if "skipped" in entry:
            print(f"{name}: skipped ({entry['skipped']})")
            continue
        for key in ("fuzzy_d1_one_char_off", "fuzzy_d2_one_char_off", "fuzzy_d1_with_camera_and_since", "exact",
                    "prefix_4_chars", "latest_no_plate"):
            lat = entry[key]["latency_ms"]
            print(f"{name:10s} {key:32s} p50 {lat['p50']:6.1f} ms  p95 {lat['p95']:6.1f} ms  "
                  f"hits {entry[key]['mean_hits']}")
        print(f"{name:10s} reads {entry['reads']}, load {entry['load_s']} s, "
              f"recall of the true plate at d=1: {entry['fuzzy_d1_recall_of_true_plate']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

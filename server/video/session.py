"""One video source's tracking session: frames in, NEW / UPDATE / FINAL events out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from math import hypot

import cv2

from server.config import VideoSettings
from server.domain import Box, Detection, Image, PlateReading
from server.pipeline.pairing import MIN_CONTAINMENT, containment
from server.pipeline.scene import plate_crop
from server.plates.identity import normalise, same_plate
from server.video.events import EventKind, TrackEvent, VehicleReport
from server.video.frames import Frame
from server.video.ports import FrameAnalyzer, ViewSaver
from server.video.track import Track, View
from server.video.tracking import BoxTracker
from server.video.voting import EMPTY_TALLY, Tally, Vote, read_weight
from server.video.zones import Zones

# The whole frame is searched for plates without a vehicle on every Nth analysed frame (every frame
# while such a plate is being read).
PLATE_SCAN_EVERY = 4
_SHARPNESS_HEIGHT = 40
# A box this close to the frame's edge (share of its larger side) may be cut: no scale-jump split on it.
EDGE_SHARE = 0.02
# A new track that starts where a finalised track was last seen (the smaller box at least this much inside the
# other), within this many seconds, with the same plate, is that vehicle again (the tracker lost or swapped
# its id while it stood at a gate).
REIDENTIFY_OVERLAP = 0.5
REIDENTIFY_S = 30.0
# Two tracks whose plates are at most this far apart (server.plates.identity: look-alikes cost 0.5) are one vehicle.
TWIN_EDITS = 1


def sharpness(crop: Image) -> float:
    """Laplacian variance of the crop scaled to a fixed height (higher is sharper)."""
    if crop.size == 0:
        return 0.0
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    scale = _SHARPNESS_HEIGHT / max(1, gray.shape[0])
    gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


@dataclass(frozen=True)
class SessionOptions:
    """A session's knobs: the `video` settings, the source's frame rate and its zones."""

    video: VideoSettings
    frame_rate: float
    vehicle_classes: tuple[str, ...]
    zones: Zones = field(default_factory=Zones)


@dataclass
class SessionStats:
    """Counters and stage times (ms, summed) of a session."""

    frames_processed: int = 0
    plate_passes: int = 0
    reads: int = 0
    splits: int = 0  # tracks ended because another vehicle took their place
    times_ms: dict[str, float] = field(default_factory=lambda: {"vehicles": 0.0, "plates": 0.0, "ocr": 0.0,
                                                                  "tracking": 0.0, "saving": 0.0})


class VideoSession:
    """Tracks vehicles and lone plates over analysed frames and votes on their plates."""

    def __init__(self, analyzer: FrameAnalyzer, options: SessionOptions, *, source_id: str = "",
                 saver: ViewSaver | None = None, on_final: Callable[[TrackEvent], None] | None = None) -> None:
        self._analyzer = analyzer
        self._on_final = on_final  # e.g. the read history; called once per FINAL, after its views are saved
        self._opts = options
        self._video = options.video
        self.source_id = source_id
        self._saver = saver
        self._vehicle_tracker = self._tracker()
        self._plate_tracker = self._tracker()
        self._tracks: dict[tuple[str, int], Track] = {}
        self._finished: list[Track] = []  # finalised tracks, for de-duplication and the summary
        self._next_id = 1
        self._retired = 0  # tracks ended by a split live on under negative keys until their FINAL
        self._frame = 0  # the current frame's index and size
        self._size = (0, 0)
        self._last_t = -1.0
        self.stats = SessionStats()
        self.reports: list[VehicleReport] = []

    def _tracker(self) -> BoxTracker:
        return BoxTracker(track_lost_s=self._video.track_lost_s, frame_rate=self._opts.frame_rate,
                          activation_threshold=self._video.track_activation_threshold)

    # ---- per frame ---------------------------------------------------------------------------
    def process(self, frame: Frame) -> list[TrackEvent]:
        """Analyse one (sampled) frame; the events it causes. Frames out of time order are ignored."""
        if frame.t_s <= self._last_t:
            return []
        self._last_t = frame.t_s
        self.stats.frames_processed += 1
        image, t = frame.image, frame.t_s
        self._frame, self._size = frame.index, (int(image.shape[1]), int(image.shape[0]))
        lone_live = any(kind == "plate" and not self._done(tr) for (kind, _), tr in self._tracks.items())
        if lone_live or self.stats.frames_processed % PLATE_SCAN_EVERY == 1:
            touched = self._scan_frame(image, t)
        else:
            touched = self._tracking_frame(image, t)
        for tr in touched:
            if tr.kind == "vehicle" or tr.frames_seen == 1:
                tr.offer_view("", View(t, image, tr.last_box if tr.kind == "vehicle" else None, None,
                                       float(tr.last_box.area)))
        events = self._read_events(touched, t)
        events += self.advance(t)
        return events

    def _admitted(self, vehicles: list[Detection]) -> list[int]:
        zones, classes = self._opts.zones, self._opts.vehicle_classes
        return [i for i, v in enumerate(vehicles) if v.class_name in classes and zones.admits(v.box)]

    def _scan_frame(self, image: Image, t: float) -> list[Track]:
        """The pipeline's whole analysis step: every vehicle and plate of the frame, read and paired."""
        times = self.stats.times_ms
        analysis = self._analyzer.analyze(image)
        at = analysis.times
        times["vehicles"] += at.vehicle_detection_ms
        times["plates"] += at.plate_detection_ms
        times["ocr"] += at.plate_recognition_ms + at.pairing_ms
        self.stats.plate_passes += 1
        self.stats.reads += len(analysis.plates)
        keep = self._admitted(analysis.vehicles)
        vehicles = [analysis.vehicles[i] for i in keep]
        mark = time.perf_counter()
        seen = self._see(self._vehicle_tracker, "vehicle", vehicles, t)
        owner_of = {vi: seen[n] for n, vi in enumerate(keep)}
        lone: list[int] = []
        owners: dict[int, Track | None] = {}
        for p in analysis.pairs:
            if p.plate_index is None or not self._opts.zones.admits(analysis.plates[p.plate_index].box):
                continue
            if p.vehicle_index is None:
                lone.append(p.plate_index)
            elif p.vehicle_index in owner_of:
                owners[p.plate_index] = owner_of[p.vehicle_index]
        lone_tracks = self._see(self._plate_tracker, "plate", [analysis.plates[i] for i in lone], t)
        owners.update(zip(lone, lone_tracks, strict=True))
        times["tracking"] += (time.perf_counter() - mark) * 1e3
        for pi, track in owners.items():
            if track is None:
                continue
            if not self._done(track):
                self._vote(image, t, track, analysis.plates[pi], analysis.readings[pi])
            elif track.merged_into is None and self._contradicted(track, analysis.readings[pi]):
                fresh = self._split(track, t)
                if fresh is None:
                    continue
                self._vote(image, t, fresh, analysis.plates[pi], analysis.readings[pi])
                seen = [fresh if s is track else s for s in seen]
                lone_tracks = [fresh if s is track else s for s in lone_tracks]
        return [tr for tr in seen + lone_tracks if tr is not None]

    def _split(self, track: Track, t: float) -> Track | None:
        """Another vehicle under this track's id (its plate says so): the old track ends, a new one starts.
        None when the track is no longer a live tracker id's (a merge target kept after it was lost)."""
        key = next((k for k, tr in self._tracks.items() if tr is track), None)
        if key is None:
            return None
        self._retire(key)
        class_name = track.classes.most_common(1)[0][0] if track.classes else ""
        fresh = self._tracks[key] = Track(track.kind, t, track.last_box, class_name, self._frame)
        return fresh

    def _tracking_frame(self, image: Image, t: float) -> list[Track]:
        """Vehicles, and plates only in the crops of tracked vehicles whose read has not settled.

        Where the detector pass also gave the frame's plates (the unified detector), those outside every
        vehicle go to the lone-plate tracker too, at no extra cost: a plate whose vehicle the detector
        misses (a close-up, a dark frame) is then followed from frame to frame, not only on the sparse
        full scans, where it could be seen once and never twice in a row (so never tracked, never read).
        Such a track makes the next frames full scans, which read it."""
        times = self.stats.times_ms
        start = time.perf_counter()
        found, plates = self._analyzer.vehicles_and_plates(image)
        vehicles = [found[i] for i in self._admitted(found)]
        times["vehicles"] += (time.perf_counter() - start) * 1e3
        start = time.perf_counter()
        seen = self._see(self._vehicle_tracker, "vehicle", vehicles, t)
        lone_tracks: list[Track | None] = []
        if plates is not None:
            lone = [p for p in plates if self._opts.zones.admits(p.box)
                    and all(containment(p, v) < MIN_CONTAINMENT for v in found)]
            lone_tracks = self._see(self._plate_tracker, "plate", lone, t)
        times["tracking"] += (time.perf_counter() - start) * 1e3
        targets = self._vehicle_plates(image, vehicles, seen)
        self._read(image, t, [(tr, det) for tr, det in targets if not self._done(tr)])
        return [tr for tr in seen + lone_tracks if tr is not None]

    def _see(self, tracker: BoxTracker, kind: str, dets: list[Detection], t: float) -> list[Track | None]:
        ids = tracker.update(dets, t)
        seen: list[Track | None] = []
        for det, track_id in zip(dets, ids, strict=True):
            if track_id is None:
                seen.append(None)
                continue
            key = (kind, track_id)
            track = self._tracks.get(key)
            class_name = det.class_name if kind == "vehicle" else ""
            if track is not None and self._jumped(track, det.box, t):
                self._retire(key)
                track = None
            if track is None:
                track = self._tracks[key] = Track(kind, t, det.box, class_name, self._frame)
            else:
                track.see(t, det.box, class_name, self._frame)
            target = track.merged_into
            if target is not None and not target.final_sent:
                target.see(t, det.box, class_name)
            seen.append(target if target is not None else track)
        return seen

    # ---- splits: another vehicle under a track's id ------------------------------------------
    def _jumped(self, track: Track, box: Box, t: float) -> bool:
        """A scale or position change between two close sightings that no single vehicle makes."""
        video = self._video
        if t - track.last_seen_s > video.split_window_s or track.merged_into is not None:
            return False
        old = track.last_box
        width, height = self._size
        edge = EDGE_SHARE * max(width, height)  # detectors stop a few pixels short of a cut box's edge
        cut = min(box.x1, box.y1, old.x1, old.y1) <= edge or max(box.x2, old.x2) >= width - edge \
            or max(box.y2, old.y2) >= height - edge
        ratio = box.area / max(1, old.area)
        if not cut and (ratio > video.split_scale_ratio or ratio < 1 / video.split_scale_ratio):
            return True
        (ox, oy), (nx, ny) = old.center, box.center
        return hypot(nx - ox, ny - oy) > video.split_shift * max(old.width, old.height, 1)

    def _retire(self, key: tuple[str, int]) -> None:
        """End the track under `key` (its FINAL follows when it is lost); the key starts a new track."""
        self._retired += 1
        track = self._tracks.pop(key)
        self._tracks[(key[0], -self._retired)] = track
        self.stats.splits += 1

    def _contradicted(self, track: Track, reading: PlateReading) -> bool:
        """Count a confident, valid read of another plate on a settled (or finalised) track; True when there
        have been split_contradictions of them in a row."""
        needed = self._video.split_contradictions
        shown = track.reported_text  # only a read the track has reported (NEW sent), never a weak leader
        text = normalise(reading.plate_number)
        if not needed or not shown or not text:
            return False
        if reading.plate_valid and reading.confidence >= self._video.min_read_confidence \
                and not self._similar(text, shown):
            track.contradictions += 1
        else:
            track.contradictions = 0
        return track.contradictions >= needed

    def _done(self, track: Track) -> bool:
        return track.final_sent or track.settled(self._video.settle_votes, self._video.settle_share)

    def _vehicle_plates(self, image: Image, vehicles: list[Detection],
                        seen: list[Track | None]) -> list[tuple[Track, Detection]]:
        """The plate of each tracked vehicle whose read has not settled, searched in its crop."""
        wanted = [(v, tr) for v, tr in zip(vehicles, seen, strict=True) if tr is not None and not self._done(tr)]
        if not wanted:
            return []
        start = time.perf_counter()
        found = self._analyzer.plates_in(image, [v.box for v, _ in wanted],
                                          size=self._opts.video.plate_search_size)
        self.stats.times_ms["plates"] += (time.perf_counter() - start) * 1e3
        self.stats.plate_passes += 1
        targets = []
        for (vehicle, track), plates in zip(wanted, found, strict=True):
            inside = [p for p in plates
                      if containment(p, vehicle) >= MIN_CONTAINMENT and self._opts.zones.admits(p.box)]
            if inside:
                targets.append((track, max(inside, key=lambda p: p.confidence)))
        return targets

    def _read(self, image: Image, t: float, targets: list[tuple[Track, Detection]]) -> None:
        """Read the targets' plates in one batch and count each read as a vote of its track."""
        if not targets:
            return
        start = time.perf_counter()
        readings = self._analyzer.read(image, [det for _, det in targets])
        self.stats.times_ms["ocr"] += (time.perf_counter() - start) * 1e3
        self.stats.reads += len(targets)
        for (track, det), reading in zip(targets, readings, strict=True):
            self._vote(image, t, track, det, reading)

    def _vote(self, image: Image, t: float, track: Track, det: Detection, reading: PlateReading) -> None:
        """Count the frame's read (and, weighted, the other reader's read of the same crop)."""
        text = normalise(reading.plate_number)
        sharp = sharpness(plate_crop(image, det))
        weight = read_weight(reading.confidence, det.box.height, sharp, reading.is_indonesian)
        vehicle_box = track.last_box if track.kind == "vehicle" else None
        track.vote(Vote(text, weight, reading), View(t, image, vehicle_box, det.box, weight))
        factor = self._video.other_read_weight
        for other in reading.other_reads if factor > 0 else ():
            other_text = normalise(other.plate_number)
            if not other_text:
                continue
            other_weight = factor * read_weight(other.confidence, det.box.height, sharp, other.is_indonesian)
            as_read = replace(reading, plate_number=other.plate_number, confidence=other.confidence,
                              provider=other.provider, is_indonesian=other.is_indonesian,
                              plate_valid=other.plate_valid, candidates=(), char_confidences=(), other_reads=())
            track.vote(Vote(other_text, other_weight, as_read, second=True),
                       View(t, image, vehicle_box, det.box, other_weight))

    # ---- events ------------------------------------------------------------------------------
    def _similar(self, a: str, b: str) -> bool:
        return same_plate(a, b, TWIN_EDITS)

    @staticmethod
    def _same_place(earlier: Track, later: Track) -> bool:
        """A track that starts where a finalised one was last seen, soon after: a vehicle that stood (a gate)
        and whose id the tracker lost or swapped while it stood."""
        a, b = earlier.last_box, later.first_box  # a lone plate's box lies inside its vehicle's
        return (later.first_seen_s - earlier.last_seen_s <= REIDENTIFY_S
                and a.intersection(b) >= REIDENTIFY_OVERLAP * max(1, min(a.area, b.area)))

    def _twin(self, track: Track, text: str) -> Track | None:
        """Another live or recently finalised track showing (nearly) this text: the same vehicle."""
        window = self._video.dedupe_window_s
        for other in list(self._tracks.values()) + self._finished:
            if other is track or other.merged_into is not None:
                continue
            if other.final_sent and other.last_seen_s < track.first_seen_s - window \
                    and not self._same_place(other, track):
                continue
            shown = other.reported_text or (other.votes.tally().text if not other.final_sent else "")
            if self._similar(text, shown):
                return other
        return None

    def _read_events(self, touched: Iterable[Track], t: float) -> list[TrackEvent]:
        events: list[TrackEvent] = []
        for track in dict.fromkeys(touched):
            if track.final_sent or track.merged_into is not None:
                continue
            tally = track.votes.tally()
            if not tally.text or tally.text == track.reported_text:
                continue
            if not track.new_sent and (tally.weight < self._video.min_read_confidence
                                       or track.frames_seen < self._video.min_track_frames):
                continue
            twin = self._twin(track, tally.text)
            if twin is not None:
                keep = self._merge_pair(track, twin)
                if keep is not track or keep.final_sent:
                    continue
                tally = track.votes.tally()
                if tally.text == track.reported_text:
                    continue
            kind = EventKind.UPDATE if track.new_sent else EventKind.NEW
            track.new_sent = True
            track.reported_text = tally.text
            events.append(self._event(kind, track, t))
        return events

    def _merge_pair(self, a: Track, b: Track) -> Track:
        """Merge two tracks of one vehicle: the one already reported (else the older) keeps the other."""
        def rank(tr: Track) -> tuple[bool, bool, float]:
            return (tr.final_sent, tr.new_sent, -tr.first_seen_s)

        keep, fragment = (a, b) if rank(a) >= rank(b) else (b, a)
        self._merge(fragment, keep)
        return keep

    def _merge(self, fragment: Track, into: Track) -> None:
        fragment.merged_into = into
        if not into.final_sent:
            into.absorb(fragment)
        fragment.release_views()

    def _event(self, kind: EventKind, track: Track, t: float, paths: tuple[str, str] = ("", ""),
               tally: Tally | None = None) -> TrackEvent:
        if not track.public_id:
            track.public_id = self._next_id
            self._next_id += 1
        return TrackEvent(kind, round(t, 3), self.source_id,
                          track.report(tally if tally is not None else track.votes.tally(), paths=paths))

    def advance(self, t: float) -> list[TrackEvent]:
        """FINAL events for tracks lost for track_lost_s or seen for max_prediction_delay_s, at time t."""
        events: list[TrackEvent] = []
        for key, track in list(self._tracks.items()):
            lost = t - track.last_seen_s >= self._video.track_lost_s
            overdue = t - track.first_seen_s >= self._video.max_prediction_delay_s
            if not track.final_sent and track.merged_into is None and (lost or overdue):
                event = self._finalise(track, t)
                if event is not None:
                    events.append(event)
            if lost:
                del self._tracks[key]
        horizon = t - max(self._video.track_lost_s + self._video.dedupe_window_s, REIDENTIFY_S)
        self._finished = [tr for tr in self._finished if tr.last_seen_s >= horizon]
        return events

    def _finalise(self, track: Track, t: float) -> TrackEvent | None:
        track.final_sent = True
        tally = track.votes.tally()
        if not track.new_sent and tally.weight < self._video.min_read_confidence:
            tally = EMPTY_TALLY  # never a confident read: listed as a vehicle without a plate
        too_short = track.frames_seen < self._video.min_track_frames
        if not track.new_sent and (too_short or (track.kind == "plate" and not tally.text)):
            track.release_views()
            return None
        if tally.text and not track.new_sent:
            twin = self._twin(track, tally.text)
            if twin is not None and self._merge_pair(track, twin) is not track:
                return None
        track.reported_text = tally.text
        paths: tuple[str, str] = ("", "")
        view = track.best_view(tally.text)
        if self._saver is not None and view is not None:
            start = time.perf_counter()
            if not track.public_id:
                track.public_id = self._next_id
                self._next_id += 1
            paths = self._saver.save(f"track{track.public_id}", view)
            self.stats.times_ms["saving"] += (time.perf_counter() - start) * 1e3
        when = min(t, track.last_seen_s + self._video.track_lost_s)
        event = self._event(EventKind.FINAL, track, when, paths, tally)
        track.release_views()
        self._finished.append(track)
        self.reports.append(event.vehicle)
        if self._on_final is not None:
            self._on_final(event)
        return event

    def finish(self) -> list[TrackEvent]:
        """The end of the source: every open track gets its FINAL."""
        end = max(self._last_t, 0.0) + self._video.track_lost_s + self._video.max_prediction_delay_s
        return self.advance(end)

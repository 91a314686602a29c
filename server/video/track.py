"""One track's state: where and when it was seen, its class votes, plate votes and best view."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from server.domain import Box, Image, PlateReading
from server.plates.rules import interpret
from server.video.direction import direction
from server.video.events import VehicleReport
from server.video.voting import PlateVotes, Tally, Vote


@dataclass(frozen=True)
class View:
    """A frame worth saving for a track: its pixels, time and the boxes on it."""

    t_s: float
    image: Image
    vehicle_box: Box | None
    plate_box: Box | None
    weight: float


class Track:
    """A vehicle (kind "vehicle") or a plate seen without a vehicle (kind "plate") across frames."""

    def __init__(self, kind: str, t_s: float, box: Box, class_name: str, frame: int = 0) -> None:
        self.kind = kind
        self.first_frame = self.last_frame = frame
        self.contradictions = 0  # full-frame scans in a row that read another plate on a settled track
        self.public_id = 0  # given when first reported
        self.first_seen_s = self.last_seen_s = t_s
        self.first_box = self.last_box = box
        self.frames_seen = 0
        self.classes: Counter[str] = Counter()
        self.votes = PlateVotes()
        self.reported_text = ""
        self.new_sent = False
        self.final_sent = False
        self.merged_into: Track | None = None
        self._views: dict[str, View] = {}  # the heaviest view per read text ("" : the largest box)
        self.see(t_s, box, class_name, frame)

    def see(self, t_s: float, box: Box, class_name: str, frame: int = 0) -> None:
        """One more frame with this track in it."""
        self.frames_seen += 1
        self.last_seen_s = max(self.last_seen_s, t_s)
        self.last_frame = max(self.last_frame, frame)
        self.last_box = box
        if class_name:
            self.classes[class_name] += 1

    def offer_view(self, text: str, view: View) -> None:
        """Keep `view` when it is the heaviest for `text` so far (frames are referenced, not copied)."""
        kept = self._views.get(text)
        if kept is None or view.weight > kept.weight:
            self._views[text] = view

    def vote(self, vote: Vote, view: View) -> None:
        """Count a read and keep its frame if it is the best of its text."""
        self.votes.add(vote)
        if vote.text:
            self.offer_view(vote.text, view)

    def best_view(self, text: str) -> View | None:
        """The frame to save: the heaviest read of the final text, else of any text, else the largest box."""
        if text in self._views:
            return self._views[text]
        read = [v for t, v in self._views.items() if t]
        if read:
            return max(read, key=lambda v: v.weight)
        return self._views.get("")

    def release_views(self) -> None:
        """Drop the kept frames (after saving)."""
        self._views.clear()

    def settled(self, votes_needed: int, share_needed: float) -> bool:
        """Whether the read has enough agreeing votes that more OCR would not change it."""
        tally = self.votes.tally()
        return tally.agreeing >= votes_needed and tally.share >= share_needed

    def absorb(self, other: Track) -> None:
        """Take a fragment's sightings and votes (the same vehicle under a second track id)."""
        self.frames_seen += other.frames_seen
        self.first_frame, self.last_frame = min(self.first_frame, other.first_frame), max(self.last_frame,
                                                                                           other.last_frame)
        if other.last_seen_s > self.last_seen_s:
            self.last_seen_s, self.last_box = other.last_seen_s, other.last_box
        self.classes.update(other.classes)
        for vote in other.votes.votes:
            self.votes.add(vote)
        for text, view in other._views.items():
            self.offer_view(text, view)

    def report(self, tally: Tally, *, paths: tuple[str, str] = ("", "")) -> VehicleReport:
        """The track as reported, with the current tally."""
        verdict = interpret(tally.text) if tally.text else None
        best = self.votes.best_vote(tally.text)
        reading: PlateReading | None = best.reading if best else (self.votes.votes[-1].reading
                                                                     if self.votes.votes else None)
        view = self.best_view(tally.text)
        mean_conf = (sum(v.reading.confidence * v.weight for v in self.votes.votes if v.text == tally.text)
                     / tally.weight) if best and tally.weight else (reading.confidence if reading else 0.0)
        box = self.last_box
        return VehicleReport(
            track_id=self.public_id,
            plate_number=verdict.plate_number if verdict else "",
            confidence=min(1.0, tally.share * mean_conf) if tally.text else 0.0,
            votes=tally.votes,
            frames_seen=self.frames_seen,
            first_seen_s=self.first_seen_s,
            last_seen_s=self.last_seen_s,
            vehicle_class=self.classes.most_common(1)[0][0] if self.classes and self.kind == "vehicle" else "",
            direction=direction(self.first_box, self.last_box),
            candidates=tuple(tally.candidates[:5]),
            plate_region_code=verdict.region_code if verdict else "",
            plate_region_name=verdict.region_name if verdict else "",
            plate_type=reading.plate_type if reading and tally.text else "",
            plate_date=reading.plate_date if reading and tally.text else "",
            plate_text_color=reading.text_color if reading and tally.text else "",
            plate_background_color=reading.background_color if reading and tally.text else "",
            best_frame_s=view.t_s if view else self.first_seen_s,
            best_plate_image_path=paths[1],
            best_vehicle_image_path=paths[0],
            box=(box.x1, box.y1, box.x2, box.y2),
            plate_valid=bool(best and best.reading.plate_valid),
            first_frame=self.first_frame,
            last_frame=self.last_frame,
        )

"""Weighted plate votes: whole texts, per-character votes where lengths agree, weights."""

from __future__ import annotations

import pytest

from server.domain import PlateReading
from server.video.voting import PlateVotes, Vote, read_weight


def _vote(text: str, weight: float) -> Vote:
    return Vote(text, weight, PlateReading(plate_number=text, raw_text=text, plate_date="", confidence=0.9,
                                           provider="test"))


def test_the_heaviest_text_wins_with_its_share() -> None:
    votes = PlateVotes()
    for text, w in (("B1234CD", 1.0), ("B1234CD", 0.8), ("B1284CD", 0.5)):
        votes.add(_vote(text, w))
    tally = votes.tally()
    assert tally.text == "B1234CD"
    assert tally.agreeing == 2 and tally.votes == 3
    assert dict(tally.candidates) == {"B1234CD": 1.8 / 2.3, "B1284CD": 0.5 / 2.3}
    assert tally.candidates[0][0] == "B1234CD"


def test_characters_are_voted_where_lengths_agree() -> None:
    # No frame read the plate whole, but each character is right in most frames.
    votes = PlateVotes()
    for text in ("AB1234CD", "AB1Z34CD", "A81234CD", "AB1234CO"):
        votes.add(_vote(text, 1.0))
    tally = votes.tally()
    assert tally.text == "AB1234CD"
    assert tally.share == 0.75  # the weakest position: 3 of 4 votes


def test_a_minority_length_does_not_mix_into_the_characters() -> None:
    votes = PlateVotes()
    for text, w in (("B1234CD", 1.0), ("B1234CD", 1.0), ("1234CD", 0.9)):
        votes.add(_vote(text, w))
    assert votes.tally().text == "B1234CD"


def test_empty_reads_are_not_votes() -> None:
    votes = PlateVotes()
    votes.add(_vote("", 1.0))
    votes.add(_vote("B1", 0.0))
    tally = votes.tally()
    assert tally.text == "" and tally.votes == 0 and tally.candidates == ()


def test_fragments_are_not_votes_however_often_they_are_read() -> None:
    # A half-hidden plate read as "1" in many frames: never a plate text, so never a reported read.
    votes = PlateVotes()
    for _ in range(6):
        votes.add(_vote("1", 0.3))
        votes.add(_vote("SE", 0.3))
    assert votes.tally().text == "" and votes.tally().weight == 0
    votes.add(_vote("B12", 0.3))
    assert votes.tally().text == "B12"


def test_weights_follow_confidence_size_sharpness_and_format() -> None:
    base = read_weight(0.9, 60, 200, True)
    assert base == 0.9
    assert read_weight(0.9, 10, 200, True) < base  # a small plate counts less
    assert read_weight(0.9, 60, 20, True) < base  # a blurred crop counts less
    assert read_weight(0.9, 60, 200, False) < base  # a read that breaks the plate format counts less
    assert read_weight(0.5, 60, 200, True) < base
    assert read_weight(0.9, 400, 2000, True) == base  # no extra credit past the full-weight size


def test_a_heavy_correct_read_beats_several_light_wrong_ones() -> None:
    votes = PlateVotes()
    votes.add(_vote("AA1056QG", read_weight(0.95, 45, 180, True)))
    for _ in range(2):
        votes.add(_vote("AA1056OG", read_weight(0.6, 12, 40, True)))
    assert votes.tally().text == "AA1056QG"


def test_best_vote_of_a_text() -> None:
    votes = PlateVotes()
    votes.add(_vote("B1C", 0.3))
    votes.add(_vote("B1C", 0.7))
    best = votes.best_vote("B1C")
    assert best is not None and best.weight == 0.7
    assert votes.best_vote("B2C") is None


def test_a_second_reader_s_read_adds_weight_but_not_frames() -> None:
    votes = PlateVotes()
    for _ in range(3):
        votes.add(_vote("AA1056OG", 0.8))
        votes.add(Vote("AA1056QG", 0.6, _vote("AA1056QG", 0.6).reading, second=True))
    votes.add(_vote("AA1056QG", 0.9))  # one frame where the recognizer's read was chosen
    tally = votes.tally()
    assert tally.text == "AA1056QG"  # 0.6 x 3 + 0.9 against 0.8 x 3
    assert tally.votes == 4 and tally.agreeing == 1  # frames, not reads
    assert dict(tally.candidates)["AA1056QG"] == pytest.approx((0.6 * 3 + 0.9) / (0.6 * 3 + 0.9 + 0.8 * 3))

"""The unified detector's plate data: the scene sets, their split units, and the wide composites."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import data_set
from training.plate_scenes import (
    COMPOSITE_SIZE,
    EXCHIOZ,
    PLATETRACK,
    ROMANIA,
    SceneImage,
    load_scene_set,
    plan_composites,
    render_composite,
    split_groups,
)


def image(name: str, group: str, source_set: str, plates: tuple[tuple[int, int, int, int], ...] = ()) -> SceneImage:
    return SceneImage(name, Path(name), plates or ((10, 10, 50, 25),), group, source_set)


def test_only_training_sets_are_read(tmp_path: Path) -> None:
    evaluation = tmp_path / "indonesia-exchioz"
    evaluation.mkdir()
    with pytest.raises(ValueError, match="not a training set"):
        load_scene_set(evaluation)


def test_each_group_lands_on_one_side_and_every_set_gives_validation_images() -> None:
    images = [image(f"{s}/{n}.jpg", f"g{n // 3}", s) for s in (EXCHIOZ, ROMANIA) for n in range(60)]
    train, val = split_groups(images, 0.1, seed=0)
    assert len(train) + len(val) == len(images) and val
    side = {(i.source_set, i.group): i in val for i in images}
    assert all(side[(i.source_set, i.group)] == (i in val) for i in images)
    assert {i.source_set for i in val} == {EXCHIOZ, ROMANIA}
    assert split_groups(images, 0.1, seed=0) == (train, val)  # seeded
    assert split_groups(images, 0.1, seed=1) != (train, val)


def test_composites_paste_photos_without_covering_a_plate_and_keep_every_box_in_frame() -> None:
    background = image("bg.jpg", "r", ROMANIA, ((600, 400, 700, 425),))
    photos = [image(f"p{n}.jpg", f"g{n}", EXCHIOZ, ((150, 300, 260, 330),)) for n in range(5)]
    sizes = {"bg.jpg": (1280, 720), **{p.name: (416, 416) for p in photos}}
    plan = plan_composites([background], photos, 20, seed=3, labels=lambda i: i.plates, sizes=lambda i: sizes[i.name])
    assert len(plan) == 20
    width, height = COMPOSITE_SIZE
    for composite in plan:
        assert composite.pastes
        for _, (x1, y1, x2, y2) in composite.pastes:
            assert 0 <= x1 < x2 <= width and height // 3 <= y1 < y2 <= height
            assert not (x1 < 700 and x2 > 600 and y1 < 425 and y2 > 400)  # the background's plate stays visible
        assert (600, 400, 700, 425) in composite.plates
        assert len(composite.plates) == 1 + len(composite.pastes)
        assert all(0 <= b[0] < b[2] <= width and 0 <= b[1] < b[3] <= height for b in composite.plates)
    frame = render_composite(plan[0], lambda path: np.full((416, 416, 3), 200, np.uint8) if path.name != "bg.jpg"
                             else np.zeros((720, 1280, 3), np.uint8))
    assert frame.shape == (720, 1280, 3)
    x1, y1, x2, y2 = plan[0].pastes[0][1]
    assert frame[y1:y2, x1:x2].mean() == 200 and frame[:100].mean() == 0


def test_the_real_scene_sets_load_with_their_split_units() -> None:
    sets = {name: load_scene_set(data_set(name)) for name in (EXCHIOZ, PLATETRACK, ROMANIA)}
    assert len(sets[EXCHIOZ]) == 600 and len(sets[PLATETRACK]) == 514 and len(sets[ROMANIA]) == 124
    assert all(i.group.startswith("text:") for i in sets[EXCHIOZ])
    assert all(i.group.startswith("ride:") for i in sets[ROMANIA])
    assert len({i.group for i in sets[PLATETRACK]}) == 26  # blocks of 20 neighbouring photos

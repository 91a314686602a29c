"""Decoding real encoded videos, and the clear errors for bad ones."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from scripts.make_test_videos import write_video
from server.errors import (
    EmptyVideoError,
    NotAVideoError,
    TruncatedVideoError,
    VideoResolutionError,
    VideoTooLargeError,
    VideoTooLongError,
)
from server.video.decode import VideoLimits, VideoReader
from tests.video_fixtures import small_video

LIMITS = VideoLimits(max_bytes=50_000_000, max_duration_s=60, min_width=160, min_height=120,
                     max_width=4096, max_height=2304)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".webm", ".avi", ".mov"])
def test_every_upload_container_decodes(tmp_path: Path, suffix: str) -> None:
    plan = small_video(tmp_path / f"v{suffix}")
    reader = VideoReader.from_bytes((tmp_path / f"v{suffix}").read_bytes(), LIMITS)
    frames = list(reader.frames())
    assert reader.info.width == 320 and reader.info.height == 240
    assert len(frames) == plan.frames == reader.decoded_frames
    assert frames[0].image.shape == (240, 320, 3) and frames[0].image.dtype == np.uint8
    times = [f.t_s for f in frames]
    assert times[0] == 0.0 and times == sorted(times)
    assert times[-1] == pytest.approx((plan.frames - 1) / 10, abs=0.051)


def test_keep_selects_frames_but_counts_all(tmp_path: Path) -> None:
    plan = small_video(tmp_path / "v.mp4")
    reader = VideoReader.from_bytes((tmp_path / "v.mp4").read_bytes(), LIMITS)
    kept = list(reader.frames(lambda t: round(t * 10) % 2 == 0))
    assert reader.decoded_frames == plan.frames
    assert len(kept) == (plan.frames + 1) // 2


def test_not_a_video(tmp_path: Path) -> None:
    photo = next(Path(__file__).resolve().parents[4].glob("shared/data/indonesia-exchioz/*.jpg"), None)
    data = photo.read_bytes() if photo else b"\xff\xd8\xff\xe0" + bytes(100)
    with pytest.raises(NotAVideoError):
        VideoReader.from_bytes(data, LIMITS)
    with pytest.raises(NotAVideoError):
        VideoReader.from_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(64), LIMITS)  # RIFF, but audio


def test_empty_upload() -> None:
    with pytest.raises(EmptyVideoError):
        VideoReader.from_bytes(b"", LIMITS)


def test_truncated_mp4(tmp_path: Path) -> None:
    small_video(tmp_path / "v.mp4")
    data = (tmp_path / "v.mp4").read_bytes()
    with pytest.raises(TruncatedVideoError):  # the index (moov) is at the end: nothing readable
        VideoReader.from_bytes(data[: len(data) // 2], LIMITS)


def test_truncated_mkv_is_caught_after_its_frames(tmp_path: Path) -> None:
    small_video(tmp_path / "v.mkv", seconds=2.0)
    data = (tmp_path / "v.mkv").read_bytes()
    reader = VideoReader.from_bytes(data[: len(data) // 2], LIMITS)
    with pytest.raises(TruncatedVideoError):
        list(reader.frames())


def test_zero_frames(tmp_path: Path) -> None:
    small_video(tmp_path / "v.mkv")
    data = (tmp_path / "v.mkv").read_bytes()
    header_only = data[: data.index(b"\x1f\x43\xb6\x75")]  # up to the first Cluster: tracks, no frames
    with pytest.raises(EmptyVideoError):
        list(VideoReader.from_bytes(header_only, LIMITS).frames())


def test_over_the_size_limit(tmp_path: Path) -> None:
    small_video(tmp_path / "v.mp4")
    data = (tmp_path / "v.mp4").read_bytes()
    with pytest.raises(VideoTooLargeError):
        VideoReader.from_bytes(data, VideoLimits(**{**LIMITS.__dict__, "max_bytes": len(data) - 1}))


def test_over_the_duration_limit(tmp_path: Path) -> None:
    small_video(tmp_path / "v.mp4", seconds=2.0)
    with pytest.raises(VideoTooLongError):
        VideoReader.from_bytes((tmp_path / "v.mp4").read_bytes(),
                               VideoLimits(**{**LIMITS.__dict__, "max_duration_s": 1.0}))


@pytest.mark.parametrize("size", [(96, 64), (4200, 120)])
def test_absurd_resolution(tmp_path: Path, size: tuple[int, int]) -> None:
    path = tmp_path / "odd.mkv"
    frame = np.full((size[1], size[0], 3), 90, dtype=np.uint8)
    write_video(path, iter([frame] * 3), 10, size[0], size[1])
    with pytest.raises(VideoResolutionError):
        VideoReader.from_bytes(path.read_bytes(), LIMITS)


def test_encoders_the_generator_uses_exist() -> None:
    for codec in ("libx264", "libvpx", "mpeg4"):
        assert av.codec.Codec(codec, "w").name == codec

"""Which frames are analysed: `sample_fps` of them per second of video, evenly spaced in time."""

from __future__ import annotations

_EPS = 1e-3


class FrameSampler:
    """Accepts a frame when its time reaches the next due time; 0 fps accepts every frame."""

    def __init__(self, sample_fps: float) -> None:
        self.step = 1.0 / sample_fps if sample_fps > 0 else 0.0
        self._due: float | None = None

    def __call__(self, t_s: float) -> bool:
        """Whether the frame at t_s (seconds, non-decreasing) is analysed."""
        if self.step == 0.0:
            return True
        if self._due is None or t_s + _EPS >= self._due:
            # Keep the grid while frames come regularly; restart it after a gap (a stalled stream).
            grid = self._due + self.step if self._due is not None else t_s + self.step
            self._due = grid if grid > t_s else t_s + self.step
            return True
        return False

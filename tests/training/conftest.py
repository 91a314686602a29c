"""Fixtures of the training tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def fonts_present() -> None:
    """Skip the test when the plate fonts (training/synth/fonts.py) are not installed."""
    try:
        from training.synth.fonts import available_fonts
    except ImportError as exc:  # pillow absent
        pytest.skip(str(exc))
    try:
        available_fonts()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))

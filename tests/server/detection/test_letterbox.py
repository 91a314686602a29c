"""Letterbox pre-processing: hand-computed cases and equality with ultralytics' own LetterBox."""

from __future__ import annotations

import numpy as np
import pytest

from server.detection.letterbox import PAD_VALUE, letterbox, letterbox_params, to_input_tensor

SHAPES = [(480, 640), (1080, 1920), (720, 1280), (1632, 918), (333, 517), (100, 3000), (3000, 7), (640, 640), (50, 70)]


def _image(shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def test_landscape_image_is_padded_top_and_bottom() -> None:
    params = letterbox_params((480, 640), (640, 640))
    assert params.resized == (480, 640)
    assert params.padded == (640, 640)
    assert (params.top, params.left) == (80, 0)


def test_odd_padding_puts_the_extra_pixel_after() -> None:
    params = letterbox_params((480, 641), (640, 640))
    assert params.resized == (479, 640)
    assert (params.top, params.padded) == (80, (640, 640))


def test_small_image_is_scaled_up_unless_told_not_to() -> None:
    assert letterbox_params((50, 70), (640, 640)).resized == (457, 640)
    assert letterbox_params((50, 70), (640, 640), scaleup=False).resized == (50, 70)


def test_auto_pads_only_to_the_stride() -> None:
    params = letterbox_params((720, 1280), (640, 640), auto=True, stride=32)
    assert params.resized == (360, 640)
    assert params.padded == (384, 640)
    assert params.top == 12


def test_thin_images_keep_at_least_one_pixel() -> None:
    assert letterbox_params((1, 5000), (640, 640)).resized == (1, 640)


def test_padding_value_and_placement() -> None:
    image = np.full((320, 640, 3), 7, np.uint8)
    padded, params = letterbox(image, (640, 640))
    assert padded.shape == (640, 640, 3)
    assert (padded[: params.top] == PAD_VALUE).all()
    assert (padded[params.top : params.top + 320] == 7).all()
    assert (padded[params.top + 320 :] == PAD_VALUE).all()


def test_input_tensor_is_rgb_nchw_in_unit_range() -> None:
    image = np.zeros((2, 2, 3), np.uint8)
    image[..., 0], image[..., 2] = 255, 51  # blue 255, red 51 in BGR
    tensor = to_input_tensor([image, image])
    assert tensor.shape == (2, 3, 2, 2) and tensor.dtype == np.float32
    assert np.allclose(tensor[:, 0], 0.2) and np.allclose(tensor[:, 2], 1.0)
    assert tensor.flags.c_contiguous


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("auto", [False, True])
@pytest.mark.parametrize("new_shape", [(640, 640), (384, 640)])
def test_matches_ultralytics_letterbox(shape: tuple[int, int], auto: bool, new_shape: tuple[int, int]) -> None:
    augment = pytest.importorskip("ultralytics.data.augment", reason="ultralytics is not installed ([export] extra)")
    image = _image(shape)
    theirs = augment.LetterBox(new_shape, auto=auto, stride=32)(image=image.copy())
    ours, _ = letterbox(image, new_shape, auto=auto, stride=32)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)

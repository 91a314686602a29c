"""Both reader architectures: the outputs the server expects, ONNX export with metadata, resumable training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training code needs torch")

from server.ocr.plate_recognizer import PlateRecognizerProvider  # noqa: E402
from server.ocr.recognizer_input import INPUT_HEIGHT, INPUT_WIDTH  # noqa: E402
from training.export import export_onnx  # noqa: E402
from training.model import ARCHITECTURES, DATE_ALPHABET, NUMBER_ALPHABET, PlateRecognizer  # noqa: E402
from training.train_recognizer import FRAMES, Batches, Plan, SynthPool, Trainer  # noqa: E402


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_outputs_are_per_frame_probabilities(arch: str) -> None:
    model = ARCHITECTURES[arch]().eval()
    number, date = model(torch.zeros(2, 1, INPUT_HEIGHT, INPUT_WIDTH))
    assert number.shape == (2, FRAMES, len(NUMBER_ALPHABET) + 1)
    assert date.shape == (2, 2 * FRAMES, len(DATE_ALPHABET) + 1)
    assert torch.allclose(number.sum(-1), torch.ones(2, FRAMES), atol=1e-5)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_export_is_read_by_the_server(arch: str, tmp_path: Path) -> None:
    path = tmp_path / f"{arch}.onnx"
    export_onnx(ARCHITECTURES[arch](), path, {"version": "0.0.1", "architecture": arch})  # checks parity itself
    provider = PlateRecognizerProvider(path)
    assert provider.model.version == "0.0.1"
    reads = provider.read([np.zeros((40, 120, 3), np.uint8), np.zeros((2, 2, 3), np.uint8)])
    assert len(reads) == 2 and reads[1].text == ""


def _pool(n: int = 8) -> SynthPool:
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 255, (n, INPUT_HEIGHT, INPUT_WIDTH), dtype=np.uint8)
    frames = np.full((n, FRAMES), -100, np.int64)
    return SynthPool(grey, ["B12"] * n, ["0829"] * n, frames, np.full((n, 2 * FRAMES), -100, np.int64))


def _trainer(checkpoint: Path, key: str = "run") -> Trainer:
    torch.manual_seed(0)
    model = PlateRecognizer()
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=1e-3, total_steps=10)
    return Trainer(model, optimiser, scheduler, Batches(_pool(), [], 1), Plan(), torch.device("cpu"), checkpoint, key)


def test_a_checkpoint_resumes_the_same_run_only(tmp_path: Path) -> None:
    checkpoint = tmp_path / "crnn.pt"
    first = _trainer(checkpoint)
    first.batches.draw(4, 0.0)
    first.optimiser.step()
    first.scheduler.step()
    first.save("finetune", 3)
    expected_draw = first.batches.draw(4, 0.0).labels, first.batches.rng.integers(1 << 30)

    again = _trainer(checkpoint)
    assert again.resume() == ("finetune", 3)
    draw = again.batches.draw(4, 0.0).labels, again.batches.rng.integers(1 << 30)
    assert draw == expected_draw
    for a, b in zip(first.model.state_dict().values(), again.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert again.scheduler.state_dict()["last_epoch"] == 1
    assert _trainer(checkpoint, key="another run").resume() == ("", 0)

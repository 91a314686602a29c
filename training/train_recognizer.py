"""Train the plate recognizer (synthetic pre-training, then real fine-tuning) and export it to ONNX.

Usage: python training/train_recognizer.py [--arch crnn|cct] [--out models/plate_recognizer.onnx] [--seed N] [--quick]
Reads only the *-train sets under ../shared/data (a part of them, split by plate text, is held out
for validation) and the pseudo-labels of training/pseudo_labels.py; evaluation sets are never
touched. Needs torch, pillow and the fonts named in training/synth/fonts.py. Seeded: the same seed,
data and fonts give the same model. Checkpointed every 250 steps (model, optimiser, schedule, sampler
state): run the same command again after an interruption and it resumes. `--device cuda` trains on a GPU.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import torch
from torch import nn

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from server.ocr.ctc import greedy_decode  # noqa: E402
from server.ocr.recognizer_input import INPUT_HEIGHT, INPUT_WIDTH, GreyArray, standardise, to_grey  # noqa: E402
from server.plates.metrics import is_exact  # noqa: E402
from server.plates.rules import interpret  # noqa: E402
from training.export import export_onnx  # noqa: E402
from training.model import (  # noqa: E402
    ARCHITECTURES,
    DATE_ALPHABET,
    DATE_FRAME_STRIDE,
    FRAME_STRIDE,
    NUMBER_ALPHABET,
    PlateRecognizer,
    PlateTransformer,
)
from training.pseudo_labels import DEFAULT_OUT as PSEUDO_LABELS  # noqa: E402
from training.real_data import (  # noqa: E402
    RealItem,
    augment,
    background_pool,
    fixed_crop,
    is_validation,
    load_pseudo,
    load_sets,
)
from training.synth import SynthConfig, generate_sample  # noqa: E402
from training.synth.augment import Canvas  # noqa: E402
from training.synth.fonts import available_fonts  # noqa: E402
from training.warm_start import load_onnx_weights  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
MODEL_VERSION = "3.0.0"
FRAMES = INPUT_WIDTH // FRAME_STRIDE
DATE_FRAMES = INPUT_WIDTH // DATE_FRAME_STRIDE
IGNORE = -100  # cross-entropy ignore index
# The synthetic mix: 5 % non-plates (signs, slogans, timestamps) that must read as nothing, 20 % plates
# in a dealer's holder, 8 % night/IR grey crops, 16 % foreign plates (US, EU, Mercosur) without a date row.
SYNTH_MIX = SynthConfig(
    us_fraction=0.07, eu_fraction=0.06, mercosur_fraction=0.03,
    negative_fraction=0.05, holder_fraction=0.2, infrared_fraction=0.08,
)
LEARNING_RATES = {"crnn": 3e-3, "cct": 1.5e-3}  # transformers diverge at the CNN's peak rate


@dataclass(frozen=True)
class Plan:
    """Step counts and sizes of one training run."""

    synth_count: int = 30000
    synth_val_count: int = 600
    pretrain_steps: int = 2000
    finetune_steps: int = 3000
    batch: int = 48
    lr: float = 3e-3
    pretrain_real_fraction: float = 0.35
    finetune_real_fraction: float = 0.6
    pretrain_fraction: float = 0.4  # of all steps, when the plan is scaled
    mining_every: int = 500  # fine-tuning steps between two hard-example passes over the real training crops
    hard_weight: float = 4.0  # sampling weight of a real crop the model currently misreads (others 1)
    real_resample: float = 0.0  # share of real crops resampled to a distant plate's width (real_data.augment)

    def quick(self) -> Plan:
        """A smoke-test plan (minutes, not an hour)."""
        return Plan(1500, 200, 120, 80, 32, self.lr, mining_every=40)

    def scaled(self, steps: int) -> Plan:
        """The same plan with `steps` optimisation steps in all, split by `pretrain_fraction`."""
        pre = int(steps * self.pretrain_fraction)
        return dataclasses.replace(self, pretrain_steps=pre, finetune_steps=steps - pre)


@dataclass
class SynthPool:
    """Pre-generated synthetic crops as network-size grey images with their labels and frame targets."""

    grey: GreyArray  # (N, H, W)
    labels: list[str]
    dates: list[str]
    number_frames: npt.NDArray[np.int64]  # (N, T): class per output frame, IGNORE where unsure
    date_frames: npt.NDArray[np.int64]


def frame_targets(text: str, centres: Sequence[float], alphabet: str, count: int) -> npt.NDArray[np.int64]:
    """Per-frame classes (`count` frames): the character at its centre's frame, IGNORE beside it, blank elsewhere.

    All IGNORE when characters share a frame or leave the crop (the crop is too small to say).
    """
    targets = np.zeros(count, np.int64)
    frames = [int(np.floor(x * count)) for x in centres]
    if len(frames) != len(text) or len(set(frames)) != len(frames) or any(not 0 <= f < count for f in frames):
        return np.full(count, IGNORE, np.int64)
    for f in frames:
        targets[max(0, f - 1) : f + 2] = IGNORE
    for f, char in zip(frames, text, strict=True):
        targets[f] = alphabet.index(char) + 1
    return targets


def build_pool(seed: int, count: int, backgrounds: Sequence[Canvas], easy_fraction: float = 0.1) -> SynthPool:
    """`count` synthetic samples from generator seed `seed`, a fraction of them easy (curriculum)."""
    rng = np.random.default_rng(seed)
    grey = np.empty((count, INPUT_HEIGHT, INPUT_WIDTH), np.uint8)
    number_frames = np.empty((count, FRAMES), np.int64)
    date_frames = np.empty((count, DATE_FRAMES), np.int64)
    labels: list[str] = []
    dates: list[str] = []
    normal, easy = SYNTH_MIX, dataclasses.replace(SYNTH_MIX, easy=True)
    start = time.perf_counter()
    for i in range(count):
        sample = generate_sample(rng, easy if rng.random() < easy_fraction else normal, backgrounds)
        grey[i] = to_grey(sample.image)
        labels.append(sample.label)
        dates.append(sample.date)
        number_frames[i] = frame_targets(sample.label, sample.number_x, NUMBER_ALPHABET, FRAMES)
        date_frames[i] = frame_targets(sample.date, sample.date_x, DATE_ALPHABET, DATE_FRAMES)
        if (i + 1) % 5000 == 0:
            print(f"  synth {i + 1}/{count} ({time.perf_counter() - start:.0f}s)", flush=True)
    return SynthPool(grey, labels, dates, number_frames, date_frames)


def encode(texts: Sequence[str], alphabet: str) -> tuple[torch.Tensor, torch.Tensor]:
    """CTC targets (concatenated class indices, 1-based) and their lengths."""
    index = {c: i + 1 for i, c in enumerate(alphabet)}
    flat = [index[c] for t in texts for c in t]
    return torch.tensor(flat, dtype=torch.long), torch.tensor([len(t) for t in texts], dtype=torch.long)


@dataclass
class Batch:
    """Inputs and targets of one optimisation step (date targets only for synthetic samples: `date_mask`)."""

    images: torch.Tensor
    labels: list[str]
    dates: list[str]
    date_mask: torch.Tensor
    number_frames: torch.Tensor
    date_frames: torch.Tensor


class Batches:
    """Draws training batches mixing synthetic pool samples and augmented real crops."""

    def __init__(self, pool: SynthPool, real: list[RealItem], seed: int, resample: float = 0.0) -> None:
        self.pool = pool
        self.real = real
        self.rng = np.random.default_rng(seed)
        self.weights = np.ones(len(real))
        self.resample = resample

    def set_hard(self, hard: Sequence[bool], weight: float) -> None:
        """Sample the real crops marked hard `weight` times as often as the others."""
        self.weights = np.where(np.asarray(hard, bool), weight, 1.0)

    def state(self) -> dict[str, Any]:
        """What a checkpoint needs to continue the same sequence of batches."""
        return {"rng": self.rng.bit_generator.state, "weights": self.weights.tolist()}

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a checkpoint's `state()`."""
        self.rng.bit_generator.state = state["rng"]
        self.weights = np.asarray(state["weights"], np.float64)

    def draw(self, size: int, real_fraction: float) -> Batch:
        """One batch: real crops first, then synthetic ones.

        Real crops carry no date label, except foreign plates, which are known to have no date row.
        """
        n_real = round(size * real_fraction) if self.real else 0
        images = np.empty((size, 1, INPUT_HEIGHT, INPUT_WIDTH), np.float32)
        labels: list[str] = []
        dates: list[str] = []
        mask = torch.zeros(size)
        number_frames = np.full((size, FRAMES), IGNORE, np.int64)
        date_frames = np.full((size, DATE_FRAMES), IGNORE, np.int64)
        for i in range(size):
            if i < n_real:
                item = self.real[int(self.rng.choice(len(self.real), p=self.weights / self.weights.sum()))]
                grey = to_grey(augment(item, self.rng, self.resample))
                if self.rng.random() < 0.1:
                    grey = 255 - grey  # the rare inverted-polarity plate
                labels.append(item.text)
                dates.append("")
                mask[i] = 1.0 if item.foreign else 0.0
            else:
                j = int(self.rng.integers(len(self.pool.labels)))
                grey = self.pool.grey[j]
                labels.append(self.pool.labels[j])
                dates.append(self.pool.dates[j])
                number_frames[i] = self.pool.number_frames[j]
                date_frames[i] = self.pool.date_frames[j]
                mask[i] = 1.0
            images[i, 0] = standardise(grey)
        frames = torch.from_numpy(number_frames), torch.from_numpy(date_frames)
        return Batch(torch.from_numpy(images), labels, dates, mask, *frames)


Reader = PlateRecognizer | PlateTransformer


def losses(model: Reader, batch: Batch, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """CTC loss of the number head, (masked) CTC loss of the date head, per-frame cross-entropy of both."""
    number, date = model.logits(batch.images.to(device))
    number, date = number.float().cpu(), date.float().cpu()  # CTC on the CPU: deterministic and exact
    ctc = nn.CTCLoss(blank=0, reduction="none", zero_infinity=True)
    steps = torch.full((batch.images.shape[0],), number.shape[1], dtype=torch.long)
    targets, lengths = encode(batch.labels, NUMBER_ALPHABET)
    number_loss = ctc(number.log_softmax(-1).permute(1, 0, 2), targets, steps, lengths)
    number_loss = (number_loss / lengths.clamp(min=1)).mean()
    d_targets, d_lengths = encode(batch.dates, DATE_ALPHABET)
    d_steps = torch.full((batch.images.shape[0],), date.shape[1], dtype=torch.long)
    date_loss = ctc(date.log_softmax(-1).permute(1, 0, 2), d_targets, d_steps, d_lengths)
    date_loss = (date_loss * batch.date_mask).sum() / batch.date_mask.sum().clamp(min=1)
    ce = nn.CrossEntropyLoss(ignore_index=IGNORE)
    frame_loss = torch.zeros(())
    for logits, frames in ((number, batch.number_frames), (date, batch.date_frames)):
        if bool((frames != IGNORE).any()):
            frame_loss = frame_loss + ce(logits.reshape(-1, logits.shape[-1]), frames.reshape(-1))
    return number_loss, date_loss, frame_loss


@torch.no_grad()
def predict(model: Reader, greys: Sequence[GreyArray]) -> list[tuple[str, float, str]]:
    """(number, min char prob, date) for each grey input image."""
    model.eval()
    device = next(model.parameters()).device
    out: list[tuple[str, float, str]] = []
    for start in range(0, len(greys), 128):
        chunk = greys[start : start + 128]
        batch = torch.from_numpy(np.stack([standardise(g)[None] for g in chunk])).to(device)
        number, date = model(batch)
        for n, d in zip(number.cpu().numpy(), date.cpu().numpy(), strict=True):
            line = greedy_decode(n, NUMBER_ALPHABET)
            conf = min((c.prob for c in line.chars), default=0.0)
            out.append((line.text, conf, greedy_decode(d, DATE_ALPHABET).text))
    model.train()
    return out


def validate(model: Reader, val: list[RealItem], synth_val: SynthPool) -> dict[str, float]:
    """Exact-match rates on the real validation split (raw and after plate rules) and on synthetic plates."""
    reads = predict(model, [to_grey(fixed_crop(item)) for item in val])
    raw = sum(is_exact(text, item.text) for (text, _, _), item in zip(reads, val, strict=True))
    ruled = sum(
        is_exact(interpret(text).plate_number, item.text) for (text, _, _), item in zip(reads, val, strict=True)
    )
    synth = predict(model, list(synth_val.grey))
    s_number = sum(is_exact(t, lab) for (t, _, _), lab in zip(synth, synth_val.labels, strict=True))
    s_date = sum(d == lab for (_, _, d), lab in zip(synth, synth_val.dates, strict=True))
    n, m = max(1, len(val)), max(1, len(synth))
    return {"real_raw": raw / n, "real_rules": ruled / n, "synth_number": s_number / m, "synth_date": s_date / m}


def mine_hard(model: Reader, items: Sequence[RealItem]) -> list[bool]:
    """For each real training crop: does the model misread it now?"""
    reads = predict(model, [to_grey(fixed_crop(item)) for item in items])
    return [not is_exact(text, item.text) for (text, _, _), item in zip(reads, items, strict=True)]


def measure_step(model: Reader, batches: Batches, plan: Plan, device: torch.device, count: int = 12) -> float:
    """Seconds per optimisation step on this machine now (on a throw-away copy of the model)."""
    probe = copy.deepcopy(model)
    optimiser = torch.optim.AdamW(probe.parameters(), lr=1e-4)
    start = 0.0
    for i in range(count + 2):
        if i == 2:
            start = time.perf_counter()
        batch = batches.draw(plan.batch, plan.finetune_real_fraction)
        number_loss, date_loss, frame_loss = losses(probe, batch, device)
        optimiser.zero_grad()
        (number_loss + date_loss + frame_loss).backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    return (time.perf_counter() - start) / count


def data_hash(items: Sequence[RealItem], seed: int, plan: Plan, arch: str, pseudo: Path) -> str:
    """sha256 over the training files (names and bytes), the pseudo-labels, the seed, the plan, the fonts."""
    digest = hashlib.sha256()
    for name in sorted({item.file for item in items}):
        digest.update(name.encode())
        digest.update(hashlib.sha256((SHARED_DATA / name).read_bytes()).digest())
    if pseudo.is_file():
        digest.update(hashlib.sha256(pseudo.read_bytes()).digest())
    digest.update(json.dumps({"seed": seed, "plan": plan.__dict__, "arch": arch}, sort_keys=True).encode())
    digest.update(available_fonts().fingerprint().encode())
    return digest.hexdigest()


@dataclass
class Trainer:
    """Model, optimiser, schedule and sampler of one run, saved together so that a run can resume."""

    model: Reader
    optimiser: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    batches: Batches
    plan: Plan
    device: torch.device
    checkpoint: Path
    run_key: str  # arch, seed, plan and data: a checkpoint of another run is never resumed

    def save(self, phase: str, step: int) -> None:
        """Write the whole training state (atomically: a half-written checkpoint never replaces a good one)."""
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "run_key": self.run_key, "phase": phase, "step": step, "model": self.model.state_dict(),
            "optimiser": self.optimiser.state_dict(), "scheduler": self.scheduler.state_dict(),
            "batches": self.batches.state(), "torch_rng": torch.get_rng_state(),
        }
        partial = self.checkpoint.with_suffix(".tmp")
        torch.save(state, partial)
        partial.replace(self.checkpoint)

    def resume(self) -> tuple[str, int]:
        """(phase, step) to continue from: the checkpoint's when it belongs to this run, else ("", 0)."""
        if not self.checkpoint.is_file():
            return "", 0
        state = torch.load(self.checkpoint, map_location=self.device, weights_only=False)
        if state.get("run_key") != self.run_key:
            print(f"{self.checkpoint} belongs to another run: starting afresh", flush=True)
            return "", 0
        self.model.load_state_dict(state["model"])
        self.optimiser.load_state_dict(state["optimiser"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.batches.restore(state["batches"])
        torch.set_rng_state(state["torch_rng"])
        print(f"resumed from {self.checkpoint}: {state['phase']} step {state['step']}", flush=True)
        return str(state["phase"]), int(state["step"])


def run_phase(
    name: str, trainer: Trainer, steps: int, real_fraction: float, frame_weight: float, first: int = 1,
    mine: bool = False,
) -> None:
    """Steps `first`..`steps` of one phase at a fixed real/synthetic mix, logging the running losses.

    With `mine`, every `plan.mining_every` steps the real training crops the model misreads are
    sampled `plan.hard_weight` times as often (hard-example mining; the validation split is never used).
    """
    model, plan = trainer.model, trainer.plan
    start = time.perf_counter()
    running = np.zeros(3)
    for step in range(first, steps + 1):
        if mine and ((step - 1) % plan.mining_every == 0 or step == first):
            hard = mine_hard(model, trainer.batches.real)
            trainer.batches.set_hard(hard, plan.hard_weight)
            print(f"  {name} {step}: {sum(hard)} of {len(hard)} real training crops misread", flush=True)
        number_loss, date_loss, frame_loss = losses(model, trainer.batches.draw(plan.batch, real_fraction),
                                                    trainer.device)
        loss = number_loss + 0.25 * date_loss + frame_weight * frame_loss
        trainer.optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        trainer.optimiser.step()
        trainer.scheduler.step()
        running = 0.95 * running + 0.05 * np.array([number_loss.item(), date_loss.item(), frame_loss.item()])
        if step % 50 == 0 or step == steps:
            elapsed = time.perf_counter() - start
            done = step - first + 1
            print(
                f"  {name} {step}/{steps} number {running[0]:.3f} date {running[1]:.3f} frames {running[2]:.3f} "
                f"lr {trainer.scheduler.get_last_lr()[0]:.2e} {elapsed:.0f}s "
                f"(eta {elapsed / done * (steps - step):.0f}s)",
                flush=True,
            )
        if step % 250 == 0 or step == steps:
            trainer.save(name, step)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="crnn")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "plate_recognizer.onnx")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--pseudo", type=Path, default=PSEUDO_LABELS, help="training/pseudo_labels.py output")
    parser.add_argument("--seed", type=int, default=20261207)
    # One thread: on a shared 2-core machine, two OpenMP threads stall on each other (10x slower).
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda where a GPU is present")
    parser.add_argument("--quick", action="store_true", help="a few minutes' smoke run")
    parser.add_argument("--checkpoint", type=Path, help="default build/recognizer/<arch>.pt")
    parser.add_argument("--steps", type=int, default=0, help="total optimisation steps (0: the plan's)")
    parser.add_argument("--init", type=Path, help="start from this exported CRNN recognizer (fine-tuning only)")
    parser.add_argument("--synth-count", type=int, default=0, help="synthetic pool size (0: the plan's)")
    parser.add_argument("--real-resample", type=float, default=0.0,
                        help="share of real crops resampled to a distant plate's width (3.1.0: 0.5)")
    parser.add_argument("--version", default=MODEL_VERSION, help="the version written into the ONNX metadata")
    parser.add_argument(
        "--budget-minutes", type=float, default=0.0,
        help="size the step count to finish in about this many minutes (measured step time; overrides --steps)",
    )
    args = parser.parse_args(argv)
    plan = Plan().quick() if args.quick else Plan()
    plan = dataclasses.replace(plan, lr=LEARNING_RATES[args.arch])
    if args.synth_count:
        plan = dataclasses.replace(plan, synth_count=args.synth_count)
    if args.init:  # a trained start: no synthetic pre-training, a gentler peak learning rate
        plan = dataclasses.replace(plan, lr=1e-3, pretrain_fraction=0.0, pretrain_steps=0)
    if args.real_resample:
        plan = dataclasses.replace(plan, real_resample=args.real_resample)
    if args.steps:
        plan = plan.scaled(args.steps)
    checkpoint = args.checkpoint or REPO_ROOT / "build" / "recognizer" / f"{args.arch}.pt"
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    wall = time.perf_counter()

    items = load_sets(args.data)
    val = [it for it in items if is_validation(it.text)]
    pseudo = load_pseudo(args.data, args.pseudo, exclude={it.text for it in val})
    train = [it for it in items if not is_validation(it.text)] + pseudo
    print(f"real: {len(train)} train ({len(pseudo)} pseudo-labelled) / {len(val)} validation crops", flush=True)
    backgrounds = background_pool(train)
    pool = build_pool(args.seed, plan.synth_count, backgrounds)
    synth_val = build_pool(args.seed + 1, plan.synth_val_count, backgrounds)
    print(f"synthetic pool ready ({time.perf_counter() - wall:.0f}s)", flush=True)

    model: Reader = ARCHITECTURES[args.arch]()  # type: ignore[assignment]
    if args.init:
        if not isinstance(model, PlateRecognizer):
            parser.error("--init needs --arch crnn")
        load_onnx_weights(model, args.init)
        print(f"initialised from {args.init} (batch-norm statistics frozen)", flush=True)
    model.to(device)
    print(f"{args.arch}: {sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    batches = Batches(pool, train, args.seed + 2, plan.real_resample)
    if args.budget_minutes and not checkpoint.is_file():
        per_step = measure_step(model, Batches(pool, train, args.seed + 3), plan, device)
        left = args.budget_minutes * 60 - (time.perf_counter() - wall)
        # validation and mining passes cost about 4 % on top of the steps
        plan = plan.scaled(max(200, int(left / per_step / 1.04)))
        print(f"step {per_step:.2f}s -> plan {plan}", flush=True)
        (checkpoint.with_suffix(".plan.json")).parent.mkdir(parents=True, exist_ok=True)
        checkpoint.with_suffix(".plan.json").write_text(json.dumps(plan.__dict__))
    elif args.budget_minutes:  # resuming a budgeted run: the plan it sized
        plan = Plan(**json.loads(checkpoint.with_suffix(".plan.json").read_text()))
    optimiser = torch.optim.AdamW(model.parameters(), lr=plan.lr, weight_decay=1e-4)
    total = plan.pretrain_steps + plan.finetune_steps
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=plan.lr, total_steps=total, pct_start=0.12)
    run_key = data_hash(train, args.seed, plan, args.arch, args.pseudo)
    trainer = Trainer(model, optimiser, scheduler, batches, plan, device, checkpoint, run_key)
    phase, step = trainer.resume()
    if phase != "done":
        if plan.pretrain_steps and phase in ("", "pretrain"):
            run_phase("pretrain", trainer, plan.pretrain_steps, plan.pretrain_real_fraction, 1.0, first=step + 1)
            print(f"after pre-training: {validate(model, val, synth_val)}", flush=True)
            step = 0
        run_phase("finetune", trainer, plan.finetune_steps, plan.finetune_real_fraction, 0.3, first=step + 1,
                  mine=True)
        trainer.save("done", total)
    scores = validate(model, val, synth_val)
    print(f"after fine-tuning: {scores}", flush=True)
    model.cpu()
    minutes = (time.perf_counter() - wall) / 60
    meta = {
        "version": args.version,
        "architecture": args.arch,
        "training_data_hash": run_key,
        "generator_seed": str(args.seed),
        "training_sets": ",".join(sorted({it.file.split("/")[0] for it in train})),
        "validation": json.dumps({k: round(v, 4) for k, v in scores.items()}),
        "plan": json.dumps(plan.__dict__, sort_keys=True),
    }
    if args.init:
        meta["init_model_sha256"] = hashlib.sha256(args.init.read_bytes()).hexdigest()
    export_onnx(model, args.out, meta)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {minutes:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

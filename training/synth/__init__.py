"""Synthetic plate images for training the plate recognizer."""

from training.synth.generator import PlateSample, SynthConfig, generate_batch, generate_sample

__all__ = ["PlateSample", "SynthConfig", "generate_batch", "generate_sample"]

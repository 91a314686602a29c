"""Choice of onnxruntime execution providers: a pure function of what is available and configured."""

from __future__ import annotations

from collections.abc import Sequence

from server.errors import ConfigError

TENSORRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
PREFERENCE = (TENSORRT, CUDA, CPU)
GPU_PROVIDERS = frozenset({TENSORRT, CUDA})

ALIASES = {"tensorrt": TENSORRT, "trt": TENSORRT, "cuda": CUDA, "gpu": CUDA, "cpu": CPU}


def canonical_name(name: str) -> str:
    """The onnxruntime provider name for a configured name or a short alias (`cuda`, `cpu`...)."""
    return ALIASES.get(name.strip().lower(), name.strip())


def choose_providers(available: Sequence[str], configured: Sequence[str] = ()) -> list[str]:
    """Providers to use, best first: the configured ones that are available, else TensorRT/CUDA/CPU.

    Raises ConfigError when providers were configured but none of them is available.
    """
    if configured:
        wanted = list(dict.fromkeys(canonical_name(name) for name in configured))
        chosen = [name for name in wanted if name in available]
        if not chosen:
            raise ConfigError(
                f"none of the configured execution providers {wanted} is available; available: {list(available)}"
            )
        return chosen
    chosen = [name for name in PREFERENCE if name in available]
    return chosen or [CPU]

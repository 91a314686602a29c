"""Execution provider choice from fake availability lists."""

from __future__ import annotations

import pytest

from server.detection.providers import CPU, CUDA, TENSORRT, choose_providers
from server.errors import ConfigError


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        ([CPU], [CPU]),
        ([CUDA, CPU], [CUDA, CPU]),
        ([CPU, CUDA, TENSORRT], [TENSORRT, CUDA, CPU]),
        (["AzureExecutionProvider", CPU], [CPU]),
        ([], [CPU]),
    ],
)
def test_default_preference(available: list[str], expected: list[str]) -> None:
    assert choose_providers(available) == expected


def test_configured_list_is_kept_in_its_order_and_filtered() -> None:
    available = [TENSORRT, CUDA, CPU]
    assert choose_providers(available, (CPU, CUDA)) == [CPU, CUDA]
    assert choose_providers([CPU], (CUDA, CPU)) == [CPU]


def test_short_aliases() -> None:
    assert choose_providers([CUDA, CPU], ("cuda", "CPU", "cpu")) == [CUDA, CPU]


def test_configured_but_none_available_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="CUDAExecutionProvider"):
        choose_providers([CPU], ("cuda",))

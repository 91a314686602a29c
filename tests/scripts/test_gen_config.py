"""config/config.yaml is the settings' rendering: the file in the repository is current and loads to the defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scripts import gen_config
from server.config import DEFAULT_CONFIG, Settings, load_settings


def test_the_committed_file_is_what_the_settings_generate() -> None:
    assert DEFAULT_CONFIG.read_text(encoding="utf-8") == gen_config.render(), "run python scripts/gen_config.py"


def test_loading_the_file_gives_exactly_the_typed_defaults(tmp_path: Path) -> None:
    loaded = load_settings(DEFAULT_CONFIG, environ={}, dotenv=tmp_path / "none.env")
    defaults = Settings(base_dir=loaded.base_dir)
    assert loaded.model_dump(mode="json") == defaults.model_dump(mode="json")


def _undescribed(model: Any, prefix: str) -> list[str]:
    missing = []
    for name, info in model.model_fields.items():
        if not info.description:
            missing.append(prefix + name)
        annotation = info.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            missing += _undescribed(annotation, f"{prefix}{name}.")
    return missing


def test_every_setting_is_described_and_no_secret_is_rendered() -> None:
    assert _undescribed(Settings, "") == []
    rendered = yaml.safe_load(gen_config.render())
    assert "api_key" not in rendered["ocr"] and "api_keys" not in rendered["server"]
    assert "webhook_secret" not in rendered["history"]

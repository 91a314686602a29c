from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.config import DEFAULT_CONFIG, load_settings
from server.errors import ConfigError


def test_default_config_loads_with_seed_keys() -> None:
    s = load_settings(DEFAULT_CONFIG, environ={}, dotenv=Path("/nonexistent"))
    assert s.detection.vehicle_confidence_threshold == 0.25
    assert s.output.results_dir == "images_processed/results"
    assert s.image_formats == (".jpg", ".jpeg", ".png")
    assert s.timezone == "Asia/Makassar"
    assert s.ocr.model_name == "gemini-3.1-flash-lite"
    assert not s.ocr.api_key_configured


def test_environment_overrides_nested_keys_with_yaml_values() -> None:
    s = load_settings(DEFAULT_CONFIG, environ={
        "GALAXY_ALPR__OCR__PROVIDER": "local",
        "GALAXY_ALPR__DETECTION__PLATE_CONFIDENCE_THRESHOLD": "0.4",
        "GALAXY_ALPR__OUTPUT__SAVE_DETECTED_IMAGES": "false",
    }, dotenv=Path("/nonexistent"))
    assert s.ocr.provider == "local"
    assert s.detection.plate_confidence_threshold == 0.4
    assert s.output.save_detected_images is False


def test_stage_pool_defaults_to_one_thread_per_core_apart_from_grpc_threads() -> None:
    s = load_settings(DEFAULT_CONFIG, environ={}, dotenv=Path("/nonexistent"))
    assert s.server.stage_workers == 0
    assert s.server.stage_threads == (os.cpu_count() or 1)
    assert s.server.max_workers == 8
    pinned = load_settings(DEFAULT_CONFIG, environ={"GALAXY_ALPR__SERVER__STAGE_WORKERS": "3"},
                           dotenv=Path("/nonexistent"))
    assert pinned.server.stage_threads == 3
    assert s.ocr.local_reader == "cascade"


def test_api_key_from_dotenv_and_never_in_repr(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nGEMINI_API_KEY='sekret-123'\n")
    s = load_settings(DEFAULT_CONFIG, environ={}, dotenv=env_file)
    assert s.ocr.api_key_configured
    assert "sekret-123" not in repr(s) and "sekret-123" not in s.model_dump_json()


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("detection:\n  vehicle_confidence_threshold: 2\n", "detection.vehicle_confidence_threshold"),
    ("timezone: Mars/Olympus\n", "unknown timezone"),
    ("image_formats: [.gif]\n", "unsupported image formats"),
    ("ocr:\n  provider: tesseract\n", "ocr.provider"),
    ("ocr:\n  local_reader: tesseract\n", "ocr.local_reader"),
    ("server:\n  stage_workers: -1\n", "server.stage_workers"),
    ("detection:\n  plate_input: round\n", "detection.plate_input"),
    ("detection:\n  bogus_key: 1\n", "bogus_key"),
    ("ocr:\n  api_key: abc\n", "GEMINI_API_KEY"),
    ("- just\n- a list\n", "mapping"),
])
def test_invalid_configuration_is_reported_clearly(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={}, dotenv=Path("/nonexistent"))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml", environ={})

"""prepare: idempotent, cached by hash, user weights preferred, clear about what it needs."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from server.models import prepare
from server.models.export import ExportError, ExportSettings
from server.models.manifest import INDONESIA_PLATE_DETECTOR, PLATE_DETECTOR, VEHICLE_DETECTOR
from server.models.metadata import read_metadata, write_metadata

VEHICLE_ONLY = (VEHICLE_DETECTOR,)
PLATE_ONLY = (PLATE_DETECTOR,)
FASTANPR = {PLATE_DETECTOR.role: "fastanpr"}


def _forbid_export(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("export_to_onnx was called for an up-to-date model")

    monkeypatch.setattr(prepare, "export_to_onnx", fail)


def test_second_run_does_nothing(vehicle_source: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = prepare.prepare_models(models_dir, specs=VEHICLE_ONLY)
    assert [s.reason for s in first] == ["missing"]
    output = models_dir / VEHICLE_DETECTOR.output
    stamp = json.loads(prepare.stamp_path(output).read_text())
    assert stamp["source_sha256"] == VEHICLE_DETECTOR.default.sha256
    assert stamp["settings"] == {"copied": True}
    before = output.stat().st_mtime_ns
    _forbid_export(monkeypatch)
    second = prepare.prepare_models(models_dir, specs=VEHICLE_ONLY)
    assert all(s.up_to_date for s in second)
    assert output.stat().st_mtime_ns == before


def test_stamp_and_output_are_checked(vehicle_source: Path, models_dir: Path) -> None:
    prepare.prepare_models(models_dir, specs=VEHICLE_ONLY)
    output = models_dir / VEHICLE_DETECTOR.output
    stamp = prepare.stamp_path(output)
    stamp.unlink()
    assert prepare.check_models(models_dir, specs=VEHICLE_ONLY)[0].reason == "no stamp"
    prepare.prepare_models(models_dir, specs=VEHICLE_ONLY)
    with output.open("ab") as handle:
        handle.write(b"\0")
    assert "changed" in prepare.check_models(models_dir, specs=VEHICLE_ONLY)[0].reason
    prepare.prepare_models(models_dir, specs=VEHICLE_ONLY)
    assert prepare.check_models(models_dir, specs=VEHICLE_ONLY)[0].up_to_date


def test_changed_source_is_rebuilt(vehicle_source: Path, models_dir: Path) -> None:
    spec = replace(VEHICLE_DETECTOR, user_weights="mine.onnx")
    user = models_dir / "mine.onnx"
    shutil.copyfile(vehicle_source, user)
    prepare.prepare_models(models_dir, specs=(spec,))
    status = prepare.check_models(models_dir, specs=(spec,))[0]
    assert status.up_to_date and status.source is not None and status.source.description == "user:mine.onnx"
    write_metadata(vehicle_source, user, {"description": "retrained"})
    assert prepare.check_models(models_dir, specs=(spec,))[0].reason == "source changed"
    prepare.prepare_models(models_dir, specs=(spec,))
    assert prepare.check_models(models_dir, specs=(spec,))[0].up_to_date


def test_user_pt_is_preferred_and_needs_ultralytics(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (models_dir / PLATE_DETECTOR.user_weights).write_bytes(b"weights")
    status = prepare.check_models(models_dir, specs=(PLATE_DETECTOR,))[0]
    assert status.source is not None and status.source.description == f"user:{PLATE_DETECTOR.user_weights}"
    assert status.needs_ultralytics
    monkeypatch.setattr(prepare, "ultralytics_available", lambda: False)
    with pytest.raises(ExportError, match="needs ultralytics"):
        prepare.build(status, ExportSettings())
    assert prepare.main(["--models-dir", str(models_dir)]) == 1


def test_check_reports_what_is_needed(
    committed_plate_model: Path, models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert prepare.main(["--check", "--models-dir", str(models_dir)]) == 1
    out = capsys.readouterr().out
    assert "vehicle_detector: missing" in out and "plate_detector: missing" in out
    assert "needs-ultralytics: no" in out, "a fresh clone builds every default model without ultralytics"
    assert not list(models_dir.iterdir()), "--check changes nothing"


def test_fastanpr_plate_source_needs_ultralytics(
    plate_source: Path, models_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert prepare.main(["--check", "--models-dir", str(models_dir), "--plate-source", "fastanpr"]) == 1
    assert "needs-ultralytics: yes" in capsys.readouterr().out
    monkeypatch.setenv(prepare.PLATE_SOURCE_ENV, "fastanpr")
    assert prepare.main(["--check", "--models-dir", str(models_dir)]) == 1
    assert "needs-ultralytics: yes" in capsys.readouterr().out
    assert prepare.main(["--check", "--models-dir", str(models_dir), "--plate-source", "nonsense"]) == 2
    assert "unknown plate source" in capsys.readouterr().err


def test_default_plate_detector_is_copied_from_the_committed_onnx(
    committed_plate_model: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prepare, "ultralytics_available", lambda: False)
    status = prepare.check_models(models_dir, specs=PLATE_ONLY)[0]
    assert status.source is not None and not status.needs_ultralytics and status.reason == "missing"
    assert status.source.sha256 == INDONESIA_PLATE_DETECTOR.sha256
    prepare.prepare_models(models_dir, specs=PLATE_ONLY)
    output = models_dir / PLATE_DETECTOR.output
    stamp = json.loads(prepare.stamp_path(output).read_text())
    assert stamp["settings"] == {"copied": True} and stamp["source"] == INDONESIA_PLATE_DETECTOR.description
    props, committed = read_metadata(output), read_metadata(committed_plate_model)
    assert props["source"] == INDONESIA_PLATE_DETECTOR.description
    assert props["source_sha256"] == INDONESIA_PLATE_DETECTOR.sha256
    for key in ("training_list_sha256", "base_weights", "base_weights_sha256", "license", "names"):
        assert props[key] == committed[key], f"{key} is kept from the committed file"
    assert prepare.check_models(models_dir, specs=PLATE_ONLY)[0].up_to_date
    switched = prepare.check_models(models_dir, specs=PLATE_ONLY, choices=FASTANPR)[0]
    if switched.source is not None:  # fastanpr is installed
        assert switched.reason == "source changed"


def test_changed_committed_file_is_refused(committed_plate_model: Path, models_dir: Path) -> None:
    spec = replace(INDONESIA_PLATE_DETECTOR, sha256="0" * 64)
    status = prepare.check_models(models_dir, specs=(replace(PLATE_DETECTOR, default=spec),))[0]
    assert status.source is None and "git checkout" in status.reason


def test_check_passes_on_the_prepared_repository(repo_models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not all((repo_models / spec.output).is_file() for spec in (VEHICLE_DETECTOR, PLATE_DETECTOR)):
        pytest.skip("models/ is not prepared: run `python -m server.models.prepare`")
    assert prepare.main(["--check", "--models-dir", str(repo_models)]) == 0
    assert "needs-ultralytics: no" in capsys.readouterr().out


@pytest.mark.slow
def test_pt_export_is_cached_and_settings_respected(
    plate_source: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ultralytics", reason="converting .pt needs ultralytics ([export] extra)")
    small = ExportSettings(imgsz=320)
    prepare.prepare_models(models_dir, small, specs=PLATE_ONLY, choices=FASTANPR)
    assert prepare.check_models(models_dir, small, specs=PLATE_ONLY, choices=FASTANPR)[0].up_to_date
    assert prepare.check_models(models_dir, specs=PLATE_ONLY, choices=FASTANPR)[0].reason == "export settings changed"
    assert prepare.check_models(models_dir, small, specs=PLATE_ONLY)[0].reason == "source changed"
    _forbid_export(monkeypatch)
    prepare.prepare_models(models_dir, small, specs=PLATE_ONLY, choices=FASTANPR)

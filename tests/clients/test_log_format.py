"""Log lines as text or as one JSON object per line, with request id, camera and replica."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import pytest

from clients import request_ids


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def log_from_camera_thread(message: str) -> None:
    def work() -> None:
        token = request_ids.REQUEST_ID.set("req-42")
        try:
            logging.getLogger("server.video").warning(message)
        finally:
            request_ids.REQUEST_ID.reset(token)

    thread = threading.Thread(target=work, name="camera-gate-1")
    thread.start()
    thread.join()


def test_json_lines_carry_request_camera_and_replica(root_handlers: None, capsys: pytest.CaptureFixture[str]) -> None:
    request_ids.configure_logging("json", "replica-7")
    log_from_camera_thread("stream lost")
    logging.getLogger("server").info("outside any camera")
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert lines[0]["message"] == "stream lost" and lines[0]["level"] == "WARNING"
    assert lines[0]["logger"] == "server.video" and lines[0]["time"]
    assert (lines[0]["request_id"], lines[0]["camera"], lines[0]["replica"]) == ("req-42", "gate-1", "replica-7")
    assert (lines[1]["request_id"], lines[1]["camera"]) == ("-", "")


def test_text_lines_keep_the_request_id(root_handlers: None, capsys: pytest.CaptureFixture[str]) -> None:
    request_ids.configure_logging("text", "replica-7")
    log_from_camera_thread("stream lost")
    line = capsys.readouterr().err.strip()
    assert "WARNING server.video request_id=req-42: stream lost" in line


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="text or json"):
        request_ids.configure_logging("xml", "r")

"""The error boundary: which SDK errors are retried and what each becomes."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from google.genai import errors as genai_errors

from server.errors import OcrError, OcrRateLimitedError, OcrTimeoutError
from server.ocr.gemini_errors import is_transient, retry_delay_hint, to_ocr_error


def api_error(code: int, status: str, details: list[dict[str, Any]] | None = None) -> genai_errors.APIError:
    """An SDK error as raise_for_response builds it from Google's error body."""
    body: dict[str, Any] = {"error": {"code": code, "message": f"{status} message", "status": status}}
    if details:
        body["error"]["details"] = details
    cls = genai_errors.ClientError if code < 500 else genai_errors.ServerError
    return cls(code, body)


@pytest.mark.parametrize(
    ("exc", "transient", "error_type", "reason"),
    [
        (api_error(429, "RESOURCE_EXHAUSTED"), True, OcrRateLimitedError, "OCR_RATE_LIMITED"),
        (api_error(500, "INTERNAL"), True, OcrError, "OCR_FAILED"),
        (api_error(503, "UNAVAILABLE"), True, OcrError, "OCR_FAILED"),
        (api_error(504, "DEADLINE_EXCEEDED"), True, OcrError, "OCR_FAILED"),
        (api_error(408, "REQUEST_TIMEOUT"), True, OcrTimeoutError, "OCR_TIMEOUT"),
        (api_error(400, "INVALID_ARGUMENT"), False, OcrError, "OCR_FAILED"),
        (api_error(400, "INVALID_ARGUMENT", [{"reason": "API_KEY_INVALID"}]), False, OcrError, "OCR_AUTH_FAILED"),
        (api_error(401, "UNAUTHENTICATED"), False, OcrError, "OCR_AUTH_FAILED"),
        (api_error(403, "PERMISSION_DENIED"), False, OcrError, "OCR_AUTH_FAILED"),
        (api_error(404, "NOT_FOUND"), False, OcrError, "OCR_MODEL_NOT_FOUND"),
        (httpx2.ReadTimeout("slow"), True, OcrTimeoutError, "OCR_TIMEOUT"),
        (httpx2.ConnectError("refused"), True, OcrError, "OCR_FAILED"),
        (genai_errors.UnknownApiResponseError("<html>"), False, OcrError, "OCR_BAD_RESPONSE"),
        (RuntimeError("surprise"), False, OcrError, "OCR_FAILED"),
    ],
)
def test_classification_and_mapping(exc: Exception, transient: bool, error_type: type[OcrError], reason: str) -> None:
    mapped = to_ocr_error(exc, "gemini-x")

    assert is_transient(exc) is transient
    assert type(mapped) is error_type
    assert mapped.reason == reason


def test_not_found_names_the_model() -> None:
    assert (
        "'gemini-2.0-flash-lite-001'" in to_ocr_error(api_error(404, "NOT_FOUND"), "gemini-2.0-flash-lite-001").message
    )


def test_retry_info_is_read_from_the_details() -> None:
    hinted = api_error(
        429,
        "RESOURCE_EXHAUSTED",
        [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure"},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37.5s"},
        ],
    )

    assert retry_delay_hint(hinted) == 37.5
    assert retry_delay_hint(api_error(429, "RESOURCE_EXHAUSTED")) is None
    assert retry_delay_hint(RuntimeError()) is None

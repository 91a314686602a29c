"""The boundary between google-genai's errors and ours: which to retry, and what each becomes."""

from __future__ import annotations

import importlib
import re
from typing import Any

from google.genai import errors as genai_errors

from server.errors import OcrError, OcrRateLimitedError, OcrTimeoutError, Reason

MODEL_NOT_FOUND = Reason.OCR_MODEL_NOT_FOUND
AUTH_FAILED = Reason.OCR_AUTH_FAILED
TIMEOUT = Reason.OCR_TIMEOUT
BAD_RESPONSE = Reason.OCR_BAD_RESPONSE
# Failures that will not heal by retrying: the provider remembers them until a probe succeeds.
PERSISTENT_REASONS = frozenset({MODEL_NOT_FOUND, AUTH_FAILED})
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _httpx_error_types() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    # google-genai 3.x sends through httpx2 (older releases through httpx): accept either.
    transport: list[type[Exception]] = []
    timeouts: list[type[Exception]] = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        transport.append(module.TransportError)
        timeouts.append(module.TimeoutException)
    return tuple(transport), tuple(timeouts)


TRANSPORT_ERRORS, TIMEOUT_ERRORS = _httpx_error_types()


def is_transient(exc: Exception) -> bool:
    """True for errors worth another attempt: 408/429/5xx, timeouts, connection failures."""
    if isinstance(exc, genai_errors.APIError):
        return exc.code in RETRYABLE_STATUS
    return isinstance(exc, TRANSPORT_ERRORS)


def _error_body(exc: genai_errors.APIError) -> dict[str, Any]:
    details = exc.details
    if isinstance(details, dict):
        inner = details.get("error", details)
        return inner if isinstance(inner, dict) else {}
    return {}


def retry_delay_hint(exc: Exception) -> float | None:
    """Seconds the server asked us to wait (google.rpc.RetryInfo.retryDelay), if it said."""
    if not isinstance(exc, genai_errors.APIError):
        return None
    for item in _error_body(exc).get("details") or []:
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(item.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _names_invalid_key(exc: genai_errors.APIError) -> bool:
    # Gemini answers a wrong key with 400 INVALID_ARGUMENT + ErrorInfo.reason API_KEY_INVALID.
    return "API_KEY_INVALID" in str(_error_body(exc).get("details", ""))


def to_ocr_error(exc: Exception, model_name: str) -> OcrError:
    """Our error for a google-genai / transport error (raise it `from exc`)."""
    if isinstance(exc, OcrError):
        return exc
    if isinstance(exc, genai_errors.APIError):
        said = f"{exc.code} {exc.status}: {exc.message}"
        if exc.code == 404:
            return OcrError(
                f"Gemini model {model_name!r} is not known to the API ({said}); it may have been retired: "
                "set ocr.model_name to a current model",
                reason=MODEL_NOT_FOUND,
            )
        if exc.code in (401, 403) or (exc.code == 400 and _names_invalid_key(exc)):
            return OcrError(f"Gemini rejected the API key or access to {model_name!r} ({said})", reason=AUTH_FAILED)
        if exc.code == 429:
            return OcrRateLimitedError(f"Gemini rate limit or quota reached ({said})")
        if exc.code == 408:
            return OcrTimeoutError(f"Gemini timed out ({said})", reason=TIMEOUT)
        return OcrError(f"Gemini request failed ({said})")
    if isinstance(exc, TIMEOUT_ERRORS):
        return OcrTimeoutError(f"Gemini did not answer in time ({type(exc).__name__})", reason=TIMEOUT)
    if isinstance(exc, TRANSPORT_ERRORS):
        return OcrError(f"cannot reach Gemini ({type(exc).__name__}: {exc})")
    if isinstance(exc, genai_errors.UnknownApiResponseError):
        return OcrError(f"Gemini sent a response that is not JSON: {exc}", reason=BAD_RESPONSE)
    return OcrError(f"Gemini call failed unexpectedly ({type(exc).__name__}: {exc})")

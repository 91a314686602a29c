"""Plate OCR through the Gemini API (google-genai SDK): one structured-JSON request per plate crop.

Time: every `read()` has one budget, `ocr.timeout_s`, shared by all its crops and covering the
wait for a request slot, the client-side rate limit, every attempt and every backoff sleep; each
attempt's HTTP timeout is what is left of it. So a read answers (or fails) within about
`timeout_s`, and AutoOcrProvider still has time to fall back.

Retries: ours only (the SDK's are switched off so the two never multiply): 408/429/5xx,
timeouts and connection errors, with exponential backoff and full jitter, honouring a longer
RetryInfo delay from the server, and never sleeping past the budget.

Persistent failures (a model the API does not know, a rejected key) are remembered: status()
reports "unavailable" and reads fail fast without a network call until a re-probe
(every `reprobe_after_s`, one caller at a time) succeeds.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import cv2
from google import genai
from google.genai import types

from server.config import OcrSettings
from server.domain import Image, OcrRead
from server.errors import ConfigError, OcrError, OcrRateLimitedError, OcrTimeoutError, Reason
from server.ocr.availability import Availability, Outage
from server.ocr.base import ProviderStatus, first_error_or_reads
from server.ocr.gemini_errors import PERSISTENT_REASONS, TIMEOUT, is_transient, retry_delay_hint, to_ocr_error
from server.ocr.gemini_schema import PLATE_JSON_SCHEMA, SYSTEM_INSTRUCTION, USER_PROMPT, parse_plate_reply
from server.ocr.rate_limit import Clock, Sleep, TokenBucket
from server.ocr.retry import BackoffPolicy, Deadline, call_with_retries

logger = logging.getLogger(__name__)

# v1beta is the API version Google documents structured output (responseJsonSchema) on;
# google-genai 3.x would otherwise default to v1.
API_VERSION = "v1beta"
JPEG_QUALITY = 95
DEFAULT_REPROBE_AFTER_S = 300.0


def _millis(seconds: float) -> int:
    # The SDK reads timeout=0 as "no timeout": never let rounding produce it.
    return max(1, math.ceil(seconds * 1000))


def make_client(settings: OcrSettings) -> genai.Client:
    """A google-genai client for the Gemini API (base URL from config) with the SDK's retries off."""
    options = types.HttpOptions(
        base_url=settings.gemini_base_url or None,
        api_version=API_VERSION,
        timeout=_millis(settings.timeout_s),
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    return genai.Client(vertexai=False, api_key=settings.api_key.get_secret_value(), http_options=options)


def encode_jpeg(crop: Image) -> bytes:
    """The crop as JPEG bytes; OcrError(OCR_BAD_INPUT) for an empty or odd-shaped array."""
    if crop.size == 0 or crop.ndim not in (2, 3):
        raise OcrError(f"cannot send a plate crop of shape {crop.shape} to Gemini", reason=Reason.OCR_BAD_INPUT)
    try:
        ok, buffer = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    except cv2.error as exc:
        raise OcrError(f"JPEG encoding of a {crop.shape} crop failed: {exc}", reason=Reason.OCR_BAD_INPUT) from exc
    if not ok:
        raise OcrError(f"JPEG encoding of a {crop.shape} crop failed", reason=Reason.OCR_BAD_INPUT)
    return buffer.tobytes()


class GeminiOcrProvider:
    """OcrProvider backed by Gemini; thread-safe and meant to be shared by the whole server."""

    name = "gemini"

    def __init__(
        self,
        settings: OcrSettings,
        *,
        client: genai.Client | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        limiter: TokenBucket | None = None,
        backoff: BackoffPolicy | None = None,
        reprobe_after_s: float = DEFAULT_REPROBE_AFTER_S,
    ) -> None:
        if client is None and not settings.api_key_configured:
            raise ConfigError("the Gemini OCR provider needs GEMINI_API_KEY (environment or .env)")
        self.model_name = settings.model_name
        self.timeout_s = settings.timeout_s
        self.max_concurrency = settings.max_concurrency
        self._client = client or make_client(settings)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._limiter = limiter or TokenBucket(settings.rate_limit_per_minute, clock=clock, sleep=sleep)
        self._backoff = backoff or BackoffPolicy(max_retries=settings.max_retries)
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self._availability = Availability(reprobe_after_s, clock)
        # More workers than slots: a crop sleeping in backoff must not keep another from sending.
        self._pool = ThreadPoolExecutor(
            max_workers=min(32, 4 * settings.max_concurrency), thread_name_prefix="gemini-ocr"
        )
        self._note = ""

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """One OcrRead per crop, same order; raises the first crop's OcrError if any crop failed."""
        return first_error_or_reads(self.read_each(crops))

    def read_each(self, crops: Sequence[Image]) -> list[OcrRead | OcrError]:
        """One OcrRead or OcrError per crop, same order: lets a caller fall back crop by crop."""
        if not crops:
            return []
        deadline = Deadline(self.timeout_s, self._clock)
        blocked = self._gate(deadline)
        if blocked is not None:
            return [blocked.error() for _ in crops]
        if len(crops) <= 1:
            return [self._read_one_caught(crop, deadline) for crop in crops]
        futures = [self._pool.submit(self._read_one_caught, crop, deadline) for crop in crops]
        return [future.result() for future in futures]

    def status(self) -> ProviderStatus:
        """Availability from what past calls and probes learnt; never a network call."""
        outage = self._availability.outage
        if outage is not None:
            return ProviderStatus(self.name, False, "unavailable", self.model_name, outage.message)
        return ProviderStatus(self.name, True, "configured", self.model_name, self._note)

    def probe(self, timeout_s: float | None = None) -> ProviderStatus:
        """Check key and model with one cheap real call (models.get); update and return status()."""
        timeout = _millis(self.timeout_s if timeout_s is None else timeout_s)
        try:
            self._client.models.get(
                model=self.model_name,
                config=types.GetModelConfig(http_options=types.HttpOptions(timeout=timeout)),
            )
        except Exception as exc:
            error = to_ocr_error(exc, self.model_name)
            if error.reason in PERSISTENT_REASONS:
                self._availability.mark_unavailable(error)
                logger.error("Gemini OCR unavailable: %s", error.message)
            else:
                self._availability.probe_inconclusive()
                self._note = f"last probe inconclusive: {error.message}"
                logger.warning("Gemini probe inconclusive: %s", error.message)
        else:
            self._availability.mark_available()
            self._note = ""
        return self.status()

    def close(self) -> None:
        """Stop the worker threads and close the HTTP client."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def _gate(self, deadline: Deadline) -> Outage | None:
        outage = self._availability.outage
        if outage is not None and self._availability.claim_probe():
            self.probe(timeout_s=max(0.001, deadline.remaining()))
            outage = self._availability.outage
        return outage

    def _read_one_caught(self, crop: Image, deadline: Deadline) -> OcrRead | OcrError:
        try:
            return self._read_one(crop, deadline)
        except OcrError as exc:
            return exc

    def _read_one(self, crop: Image, deadline: Deadline) -> OcrRead:
        payload = encode_jpeg(crop)
        try:
            response = call_with_retries(
                lambda: self._attempt(payload, deadline),
                policy=self._backoff,
                deadline=deadline,
                is_retryable=is_transient,
                delay_hint=retry_delay_hint,
                sleep=self._sleep,
                rng=self._rng,
            )
        except OcrError:
            raise
        except Exception as exc:
            error = to_ocr_error(exc, self.model_name)
            if error.reason in PERSISTENT_REASONS:
                self._availability.mark_unavailable(error)
                logger.error("Gemini OCR unavailable: %s", error.message)
            raise error from exc
        self._note = ""  # Gemini answered: an earlier inconclusive probe no longer matters
        return parse_plate_reply(response.text)

    def _attempt(self, payload: bytes, deadline: Deadline) -> types.GenerateContentResponse:
        # The rate-limit wait happens inside the slot, so each request leaves when its token is due.
        if not self._slots.acquire(timeout=deadline.remaining()):
            raise OcrRateLimitedError(
                f"all {self.max_concurrency} Gemini request slots stayed busy for the whole "
                f"{self.timeout_s:g}s OCR budget"
            )
        try:
            self._limiter.acquire(deadline.remaining())
            remaining = deadline.remaining()
            if remaining <= 0:
                raise OcrTimeoutError(f"the {self.timeout_s:g}s OCR budget ran out before sending", reason=TIMEOUT)
            return self._client.models.generate_content(
                model=self.model_name,
                contents=types.Content(
                    role="user",
                    parts=[
                        types.Part.from_bytes(data=payload, mime_type="image/jpeg"),
                        types.Part.from_text(text=USER_PROMPT),
                    ],
                ),
                config=types.GenerateContentConfig(
                    system_instruction=SYSTEM_INSTRUCTION,
                    temperature=0.0,
                    candidate_count=1,
                    response_mime_type="application/json",
                    response_json_schema=PLATE_JSON_SCHEMA,
                    automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
                    http_options=types.HttpOptions(timeout=_millis(remaining)),
                ),
            )
        finally:
            self._slots.release()

"""Build the configured OCR provider from settings (no network calls: probe it afterwards)."""

from __future__ import annotations

import logging

from server.config import OcrSettings
from server.ocr.auto import AutoOcrProvider
from server.ocr.base import OcrProvider
from server.ocr.gemini import GeminiOcrProvider

logger = logging.getLogger(__name__)

NO_KEY_NOTE = "GEMINI_API_KEY is not set"


def build_ocr_provider(settings: OcrSettings, local: OcrProvider | None, *,
                       gemini: OcrProvider | None = None) -> OcrProvider | None:
    """The provider that `ocr.provider` asks for, with `local` as the offline reader.

    `local` is None when no local reader could be loaded: Gemini (when configured) then reads
    alone, and without Gemini nothing can read (None).
    - "local": `local` itself.
    - "gemini" with a key: Gemini alone; its failures surface as OcrError (no fallback).
    - "auto" with a key: AutoOcrProvider(Gemini, fallback=local), chosen crop by crop.
    - "auto" or "gemini" without a key: AutoOcrProvider(None, local), whose status() says that
      the key is missing. Start-up does not fail: the service still reads plates offline.
    Pass `gemini` to reuse a Gemini provider built elsewhere (e.g. the one /health reports on), so
    that there is one rate limiter and one record of its availability; otherwise one is built here.
    The caller may call `probe()` on the result (when it has one) to check key and model for real.
    """
    if settings.provider == "local":
        return local
    if not settings.api_key_configured:
        if local is None:
            logger.error("no OCR provider: the local readers did not load and %s", NO_KEY_NOTE)
            return None
        note = f"{NO_KEY_NOTE}: reading plates with the local OCR ({local.name})"
        if settings.provider == "gemini":
            note = f"ocr.provider is 'gemini' but {note}"
            logger.warning("%s", note)
        return AutoOcrProvider(None, local, note=note)
    if gemini is None:
        gemini = GeminiOcrProvider(settings)
    if settings.provider == "gemini":
        return gemini
    if local is None:
        logger.warning("the local readers did not load: Gemini reads alone (no offline fallback)")
        return gemini
    return AutoOcrProvider(gemini, local)

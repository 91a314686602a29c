"""A primary OCR provider (Gemini) with a fallback (the local OCR), decided crop by crop."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from server.domain import Image, OcrRead
from server.errors import OcrError
from server.ocr.base import OcrProvider, ProviderStatus

logger = logging.getLogger(__name__)


@runtime_checkable
class PerCropProvider(Protocol):
    """A provider that can report success or failure for each crop separately."""

    def read_each(self, crops: Sequence[Image]) -> list[OcrRead | OcrError]:
        """One OcrRead or OcrError per crop, same order."""
        ...


@runtime_checkable
class Probeable(Protocol):
    """A provider with a start-up check that makes a real call."""

    def probe(self) -> ProviderStatus:
        """Check the provider for real; return its status."""
        ...


class AutoOcrProvider:
    """Reads with the primary when there is one; every crop it fails on goes to the fallback.

    Failure means any OcrError: errors, timeouts, rate limits (ours or the API's), an unknown
    model or key, or an unusable answer. Crops the primary read stay its reads; the failed ones
    go to the fallback together in one call. Each OcrRead's `provider` names who read it.
    Errors from the fallback propagate: there is nothing left to fall back to.
    """

    name = "auto"

    def __init__(self, primary: OcrProvider | None, fallback: OcrProvider, *, note: str = "") -> None:
        self.primary = primary
        self.fallback = fallback
        self.note = note

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """One OcrRead per crop, same order, from the primary where it succeeded, else the fallback."""
        if self.primary is None or not crops:
            return self.fallback.read(crops)
        first = self._read_primary(self.primary, crops)
        failed = [i for i, result in enumerate(first) if isinstance(result, OcrError)]
        reads = [result for result in first if isinstance(result, OcrRead)]
        if not failed:
            return reads
        logger.info(
            "%s failed on %d of %d crops (%s); reading them with %s",
            self.primary.name,
            len(failed),
            len(crops),
            "; ".join(sorted({f"{e.reason}: {e.message}" for e in first if isinstance(e, OcrError)})),
            self.fallback.name,
        )
        second = self.fallback.read([crops[i] for i in failed])
        if len(second) != len(failed):
            raise OcrError(f"{self.fallback.name} returned {len(second)} reads for {len(failed)} crops")
        merged: list[OcrRead] = []
        replacements = iter(second)
        for result in first:
            merged.append(next(replacements) if isinstance(result, OcrError) else result)
        return merged

    def status(self) -> ProviderStatus:
        """Available when either provider is; says which one reads now and why."""
        fallback = self.fallback.status()
        if self.primary is None:
            return ProviderStatus(
                self.name, fallback.available, fallback.status, fallback.model_name, _join(self.note, fallback.error)
            )
        primary = self.primary.status()
        if primary.available:
            return ProviderStatus(self.name, True, primary.status, primary.model_name, primary.error)
        why = f"{primary.name} unavailable ({primary.error}); reading with {fallback.name}"
        return ProviderStatus(
            self.name, fallback.available, fallback.status, fallback.model_name, _join(why, fallback.error)
        )

    def statuses(self) -> list[ProviderStatus]:
        """Each wrapped provider's own status, primary first."""
        wrapped = [self.fallback] if self.primary is None else [self.primary, self.fallback]
        return [provider.status() for provider in wrapped]

    def probe(self) -> ProviderStatus:
        """Probe the primary (if it can be probed) for real, then report status()."""
        if isinstance(self.primary, Probeable):
            self.primary.probe()
        return self.status()

    def _read_primary(self, primary: OcrProvider, crops: Sequence[Image]) -> list[OcrRead | OcrError]:
        if isinstance(primary, PerCropProvider):
            results = primary.read_each(crops)
        else:
            try:
                results = list(primary.read(crops))
            except OcrError as exc:
                return [exc] * len(crops)
        if len(results) != len(crops):
            error = OcrError(f"{primary.name} returned {len(results)} reads for {len(crops)} crops")
            return [error] * len(crops)
        return results


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)

"""The interface every OCR provider implements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from server.domain import Image, OcrRead
from server.errors import ModelUnavailableError, OcrError


@dataclass(frozen=True)
class ProviderStatus:
    """What /health and /test/models say about a provider."""

    name: str
    available: bool
    status: str  # "loaded", "configured", "not_configured", "unavailable"
    model_name: str = ""
    error: str = ""


@runtime_checkable
class OcrProvider(Protocol):
    """Reads plate crops. Implementations are thread-safe and shared."""

    name: str

    def read(self, crops: Sequence[Image]) -> list[OcrRead]:
        """Read every crop (all crops of one image together); one OcrRead per crop, same order.

        Raises server.errors.OcrError (or a subclass) when the provider cannot answer.
        """
        ...

    def status(self) -> ProviderStatus:
        """Current availability, without a network call on the hot path."""
        ...


@contextmanager
def reader_errors(what: str) -> Iterator[None]:
    """Let the service's own errors through; turn anything else (onnxruntime, OpenCV) into OcrError."""
    try:
        yield
    except (ModelUnavailableError, OcrError):
        raise
    except Exception as exc:  # onnxruntime and OpenCV raise assorted types
        raise OcrError(f"{what} failed: {exc}") from exc


def first_error_or_reads(results: Sequence[OcrRead | OcrError]) -> list[OcrRead]:
    """The reads of a read_each() answer, or its first crop's OcrError raised."""
    reads: list[OcrRead] = []
    for result in results:
        if isinstance(result, OcrError):
            raise result
        reads.append(result)
    return reads

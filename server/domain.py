"""Framework-free result types: the seam between model outputs and everything else.

Images are numpy arrays in OpenCV's BGR channel order, shape (height, width, 3), uint8.
Nothing here imports grpc, fastapi or protobuf.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Box:
    """Pixel box in the original image, x1/y1 top-left, x2/y2 bottom-right (exclusive)."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        """Width in pixels (never negative)."""
        return max(0, self.x2 - self.x1)

    @property
    def height(self) -> int:
        """Height in pixels (never negative)."""
        return max(0, self.y2 - self.y1)

    @property
    def area(self) -> int:
        """Area in square pixels."""
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        """The box's centre (x, y)."""
        return (self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2

    def as_list(self) -> list[int]:
        """The documented JSON form [x1, y1, x2, y2]."""
        return [self.x1, self.y1, self.x2, self.y2]

    def intersection(self, other: Box) -> int:
        """Area shared with another box."""
        w = min(self.x2, other.x2) - max(self.x1, other.x1)
        h = min(self.y2, other.y2) - max(self.y1, other.y1)
        return max(0, w) * max(0, h)

    def iou(self, other: Box) -> float:
        """Intersection over union with another box."""
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def padded(self, padding: int, width: int, height: int) -> Box:
        """This box grown by `padding` pixels on each side, clipped to the image."""
        return Box(
            max(0, self.x1 - padding),
            max(0, self.y1 - padding),
            min(width, self.x2 + padding),
            min(height, self.y2 + padding),
        )


@dataclass(frozen=True)
class Detection:
    """One detected object."""

    box: Box
    confidence: float
    class_id: int
    class_name: str

    def shifted(self, dx: int, dy: int, class_name: str | None = None) -> Detection:
        """The same detection moved by (dx, dy): a crop's detection in the whole image's pixels."""
        b = self.box
        return Detection(Box(b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy), self.confidence, self.class_id,
                         self.class_name if class_name is None else class_name)


@dataclass(frozen=True)
class CharConfidence:
    """One character of a reading and the reader's confidence in it."""

    char: str
    confidence: float


@dataclass(frozen=True)
class Candidate:
    """An alternative reading with its confidence."""

    text: str
    confidence: float


@dataclass(frozen=True)
class OcrRead:
    """What an OCR provider read on one plate crop, before any plate rules.

    `text` is the main (number) row as read, `date_text` the validity row as read
    ("08.29", "0829", ...) or "". Colour fields are filled by providers that judge
    colours themselves (Gemini); otherwise None and measured from pixels later.
    """

    text: str
    confidence: float
    provider: str
    date_text: str = ""
    chars: tuple[CharConfidence, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    text_color: str | None = None
    background_color: str | None = None
    icon: str | None = None
    icon_color: str | None = None
    blue_strip: bool | None = None
    plate_type: str | None = None
    # The other reader's read of the same crop, where a cascade read it twice and chose this one.
    second_read: OcrRead | None = None


@dataclass(frozen=True)
class OtherRead:
    """Another reader's read of the same plate crop (a cascade's unchosen read), after the rules."""

    plate_number: str
    confidence: float
    provider: str
    is_indonesian: bool = False
    plate_valid: bool = False


@dataclass(frozen=True)
class PlateColors:
    """Colours measured on a plate crop."""

    background: str
    text: str
    blue_strip: bool


@dataclass(frozen=True)
class PlateReading:
    """A plate's final reading: OCR + colours + Indonesian rules."""

    plate_number: str
    raw_text: str
    plate_date: str
    confidence: float
    provider: str
    text_color: str = ""
    background_color: str = ""
    icon: str = ""
    icon_color: str = ""
    blue_strip: bool = False
    plate_type: str = ""
    region_code: str = ""
    region_name: str = ""
    region_area: str = ""
    is_indonesian: bool = False
    plate_valid: bool = False  # the text is a valid plate of a known format (server.plates.validity)
    candidates: tuple[Candidate, ...] = ()
    char_confidences: tuple[float, ...] = field(default_factory=tuple)
    # Reads of the same crop by other readers (not in any response; video sessions vote with them).
    other_reads: tuple[OtherRead, ...] = ()

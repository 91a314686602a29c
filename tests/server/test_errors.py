"""The one error vocabulary: every reason the code raises is registered, with the code its error carries."""

from __future__ import annotations

import grpc

import server.errors as errors_module
from server.errors import REASON_CODES, AlprError, Reason, code_of
from server.ocr import gemini_errors


def _subclasses(cls: type[AlprError]) -> list[type[AlprError]]:
    out: list[type[AlprError]] = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def test_every_error_class_reason_is_registered_with_its_code() -> None:
    classes: list[type[AlprError]] = [AlprError, *_subclasses(AlprError)]
    assert len(classes) > 10
    for cls in classes:
        assert cls.reason in REASON_CODES, cls.__name__
    # The code is stated once, in REASON_CODES: an error's code follows from its reason (also one given per raise).
    assert errors_module.InvalidInputError("x", reason=Reason.UNSUPPORTED_STREAM).code == \
        code_of(Reason.UNSUPPORTED_STREAM) == "INVALID_ARGUMENT"
    assert errors_module.OverloadedError("busy", retry_after_s=2.0).code == "RESOURCE_EXHAUSTED"
    assert set(REASON_CODES.values()) <= {c.name for c in grpc.StatusCode}


def test_every_reason_constant_is_registered_and_named_as_it_reads() -> None:
    names = {k: v for k, v in vars(Reason).items() if not k.startswith("_")}
    assert names and all(k == v for k, v in names.items())
    assert set(names.values()) == set(REASON_CODES)


def test_gemini_reasons_are_in_the_vocabulary() -> None:
    for reason in (gemini_errors.MODEL_NOT_FOUND, gemini_errors.AUTH_FAILED, gemini_errors.TIMEOUT,
                   gemini_errors.BAD_RESPONSE, *gemini_errors.PERSISTENT_REASONS):
        assert reason in REASON_CODES


def test_an_unknown_reason_is_internal() -> None:
    assert code_of("SOMETHING_ELSE") == "INTERNAL"
    assert errors_module.OcrError("x", reason=Reason.OCR_AUTH_FAILED).code == code_of(Reason.OCR_AUTH_FAILED)

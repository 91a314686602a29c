"""A fake Gemini API: real HTTP on 127.0.0.1 (port 0) in a thread, speaking the REST wire format.

The real google-genai client talks to it through `HttpOptions(base_url=fake.base_url)`. It
answers like the real service where that matters (unknown model -> 404 NOT_FOUND, wrong key ->
400 API_KEY_INVALID), records every request, and is scriptable per test: queue replies (status,
JSON body, delay) or install a responder that decides per request.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_MODEL = "gemini-3.1-flash-lite"
DEFAULT_KEY = "test-key"
DEFAULT_PLATE: dict[str, Any] = {
    "plate_number": "B 1234 CD",
    "plate_date": "08/29",
    "plate_text_color": "black",
    "plate_background_color": "white",
    "plate_icon": "",
    "plate_icon_color": "",
    "plate_blue_strip": "no",
    "plate_type": "private",
    "confidence_score": 0.95,
}
_PATH = re.compile(r"^/(?P<version>v1\w*)/models/(?P<model>[^/:?]+)(?::(?P<action>\w+))?$")


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer: HTTP status, JSON body (or raw text), and a delay before sending it."""

    status: int = 200
    body: Mapping[str, Any] | str = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    api_version: str
    model: str
    action: str  # "generateContent", ... or "get" for GET models/{model}
    headers: Mapping[str, str]
    body: Mapping[str, Any]

    @property
    def api_key(self) -> str | None:
        """The x-goog-api-key header."""
        return self.headers.get("x-goog-api-key")

    @property
    def generation_config(self) -> Mapping[str, Any]:
        """generationConfig of a generateContent body."""
        config = self.body.get("generationConfig", {})
        return config if isinstance(config, dict) else {}

    @property
    def system_text(self) -> str:
        """The system instruction's text."""
        parts = self.body.get("systemInstruction", {}).get("parts", [])
        return "".join(str(part.get("text", "")) for part in parts)

    def inline_data(self) -> list[tuple[str, bytes]]:
        """(mime type, bytes) of every inline data part."""
        found: list[tuple[str, bytes]] = []
        for content in self.body.get("contents", []):
            for part in content.get("parts", []):
                inline = part.get("inlineData")
                if inline:
                    mime = inline.get("mimeType") or inline.get("mime_type", "")
                    found.append((mime, _b64decode(inline["data"])))
        return found


Responder = Callable[[RecordedRequest], FakeReply]


def _b64decode(data: str) -> bytes:
    padded = data + "=" * (-len(data) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def text_reply(text: str, *, delay_s: float = 0.0, model: str = DEFAULT_MODEL) -> FakeReply:
    """A 200 generateContent answer whose only candidate says `text`."""
    body = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 300, "candidatesTokenCount": 60, "totalTokenCount": 360},
        "modelVersion": model,
        "responseId": "fake-response",
    }
    return FakeReply(200, body, delay_s)


def plate_reply(*, delay_s: float = 0.0, drop: Iterable[str] = (), **fields: Any) -> FakeReply:
    """A 200 answer carrying DEFAULT_PLATE updated with `fields`, minus the `drop` keys, as JSON text."""
    plate = {**DEFAULT_PLATE, **fields}
    for key in drop:
        plate.pop(key, None)
    return text_reply(json.dumps(plate), delay_s=delay_s)


def error_reply(
    code: int, status: str, message: str = "", *, details: list[dict[str, Any]] | None = None, delay_s: float = 0.0
) -> FakeReply:
    """An error answer shaped like Google's: {"error": {"code", "message", "status", "details"}}."""
    error: dict[str, Any] = {"code": code, "message": message or status, "status": status}
    if details:
        error["details"] = details
    return FakeReply(code, {"error": error}, delay_s)


def retry_info(seconds: float) -> dict[str, Any]:
    """A google.rpc.RetryInfo detail, as a 429 carries it."""
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{seconds:g}s"}


def model_not_found(model: str, version: str = "v1beta") -> FakeReply:
    """What the API answers for a model it does not know (e.g. a retired one)."""
    return error_reply(
        404,
        "NOT_FOUND",
        f"models/{model} is not found for API version {version}, or is not supported for generateContent. "
        "Call ListModels to see the list of available models and their supported methods.",
    )


def invalid_key() -> FakeReply:
    """What the API answers for a wrong API key."""
    detail = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
    return error_reply(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details=[detail])


class FakeGeminiServer:
    """The fake service; use as a context manager or call start()/stop()."""

    def __init__(self, *, known_models: Iterable[str] = (DEFAULT_MODEL,), api_keys: Iterable[str] = (DEFAULT_KEY,)):
        self.known_models: set[str] = set(known_models)
        self.api_keys: set[str] = set(api_keys)
        self.responder: Responder | None = None
        self._generate_queue: deque[FakeReply] = deque()
        self._get_queue: deque[FakeReply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._in_flight = 0
        self.max_in_flight = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-gemini", daemon=True
        )

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGeminiServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; delayed replies are cut short."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeGeminiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def enqueue(self, *replies: FakeReply) -> None:
        """Answer the next generateContent calls with these, in order (after key and model checks)."""
        with self._lock:
            self._generate_queue.extend(replies)

    def enqueue_get(self, *replies: FakeReply) -> None:
        """Answer the next models.get calls with these, in order."""
        with self._lock:
            self._get_queue.extend(replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def calls(self, action: str = "generateContent") -> list[RecordedRequest]:
        """The requests for one action ("generateContent" or "get")."""
        return [r for r in self.requests if r.action == action]

    def _reply_for(self, request: RecordedRequest) -> FakeReply:
        if request.api_key not in self.api_keys:
            return invalid_key()
        if request.model not in self.known_models:
            return model_not_found(request.model, request.api_version)
        with self._lock:
            queue = self._get_queue if request.action == "get" else self._generate_queue
            scripted = queue.popleft() if queue else None
        if scripted is not None:
            return scripted
        if request.action == "get":
            return FakeReply(
                200,
                {
                    "name": f"models/{request.model}",
                    "displayName": request.model,
                    "supportedGenerationMethods": ["generateContent", "countTokens"],
                },
            )
        if self.responder is not None:
            return self.responder(request)
        return plate_reply()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        path = handler.path.split("?", 1)[0]
        match = _PATH.match(path)
        request = RecordedRequest(
            method=handler.command,
            path=path,
            api_version=match["version"] if match else "",
            model=match["model"] if match else "",
            action=(match["action"] or "get") if match else "",
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=json.loads(raw) if raw else {},
        )
        with self._lock:
            self._requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            reply = self._reply_for(request) if match else error_reply(404, "NOT_FOUND", f"no route {path}")
            if reply.delay_s and self._stopping.wait(reply.delay_s):
                return
            payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            data = payload.encode()
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json; charset=UTF-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): exactly what some tests want
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes
            timeout = 10

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

"""The bridge's own settings from the environment (GALAXY_ALPR_BRIDGE__KEY), behind a cached dependency.

Only where the server is and how long to wait for it: the service's limits, timezone and version
are the server's, learned at start-up (rest_bridge/service_limits.py).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from clients.channel import Deadlines

ENV_PREFIX = "GALAXY_ALPR_BRIDGE__"


class BridgeSettings(BaseModel):
    """Where the gRPC server is and how long to wait for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grpc_target: str = Field("127.0.0.1:50051", description=(
        "A gRPC target; several replicas as \"ipv4:10.0.0.1:50051,10.0.0.2:50051\" (round robin)."))
    host: str = Field("0.0.0.0", description="Address the REST bridge binds.")
    port: int = Field(8000, ge=0, le=65535, description="REST port.")
    deadline_s: float = Field(60.0, gt=0, description=(
        "Deadline of a whole gRPC call (a batch stream: at least per_image_deadline_s per image)."))
    per_image_deadline_s: float = Field(30.0, gt=0, description="Deadline share of each image of a stream.")
    unary_deadline_s: float = Field(5.0, gt=0, description="Deadline of the small calls (health, info, config, stats).")
    video_deadline_s: float = Field(900.0, gt=0, description=(
        "Deadline of a video call (the upload limit is the server's limits.max_video_bytes, learned)."))
    otlp_endpoint: str = Field("", description=(
        "OpenTelemetry traces of each REST request (continued by the server) to this OTLP/HTTP collector; "
        "empty: off."))
    log_format: Literal["text", "json"] = Field("text", description=(
        "Log lines: \"text\", or \"json\" (one object per line with the request id)."))
    max_header_bytes: int = Field(16384, ge=1024, description=(
        "Largest request header section (request line + headers); over it: 431 HEADERS_TOO_LARGE."))
    body_timeout_s: float = Field(30.0, gt=0, description=(
        "Longest wait for the next piece of a request body (408 after it); uvicorn bounds headers itself."))
    max_inflight_requests: int = Field(8, ge=0, description=(
        "POST requests worked on at once; more are answered 429 OVERLOADED + Retry-After before their bodies "
        "are read (0: no bridge-side bound; the server still sheds beyond its own)."))
    api_keys: tuple[SecretStr, ...] = Field((), description=(
        "API keys the REST clients present (X-API-Key or Authorization: Bearer); empty: open (warned)."))
    rate_limit_per_minute: int = Field(0, ge=0, description=(
        "Requests per minute per API key (per client address in open mode); 0: no limit. Over: 429."))
    cors_origins: tuple[str, ...] = Field((), description=(
        "Origins allowed by CORS (e.g. \"https://ops.example.org\"); empty: no CORS headers."))
    tls_cert_file: str = Field("", description=(
        "HTTPS for the REST port: PEM certificate and key (both empty: plain HTTP)."))
    tls_key_file: str = Field("", description="HTTPS private key (PEM), with tls_cert_file.")
    grpc_api_key: SecretStr = Field(SecretStr(""), description=(
        "The API key the bridge presents to a gRPC server that wants one (server.api_keys)."))
    grpc_tls_ca_file: str = Field("", description=(
        "CA certificate (PEM) that signed the gRPC server's certificate; empty: plaintext."))

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @property
    def api_key_values(self) -> tuple[str, ...]:
        """The REST API keys as plain strings."""
        return tuple(k.get_secret_value() for k in self.api_keys if k.get_secret_value())

    @property
    def deadlines(self) -> Deadlines:
        """The one deadline policy of the bridge's gRPC calls."""
        return Deadlines(call_s=self.deadline_s, per_image_s=self.per_image_deadline_s,
                         unary_s=self.unary_deadline_s)


def settings_from_env(environ: dict[str, str] | None = None) -> BridgeSettings:
    """Build settings from GALAXY_ALPR_BRIDGE__* variables."""
    env = os.environ if environ is None else environ
    values = {k[len(ENV_PREFIX):].lower(): v for k, v in env.items() if k.startswith(ENV_PREFIX)}
    return BridgeSettings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> BridgeSettings:
    """The process's settings (tests override this dependency)."""
    return settings_from_env()

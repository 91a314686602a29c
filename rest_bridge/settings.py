"""The bridge's own settings from the environment (GALAXY_ALPR_BRIDGE__KEY), behind a cached dependency.

Only where the server is and how long to wait for it: the service's limits, timezone and version
are the server's, learned at start-up (rest_bridge/service_limits.py).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from clients.channel import Deadlines

ENV_PREFIX = "GALAXY_ALPR_BRIDGE__"


class BridgeSettings(BaseModel):
    """Where the gRPC server is and how long to wait for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # A gRPC target; several replicas as "ipv4:10.0.0.1:50051,10.0.0.2:50051" (round robin).
    grpc_target: str = "127.0.0.1:50051"
    host: str = "0.0.0.0"
    port: int = Field(8000, ge=0, le=65535)
    deadline_s: float = Field(60.0, gt=0)
    per_image_deadline_s: float = Field(30.0, gt=0)
    unary_deadline_s: float = Field(5.0, gt=0)
    # Longest wait for the next piece of a request body (408 after it); uvicorn bounds headers itself.
    body_timeout_s: float = Field(30.0, gt=0)
    # POST requests worked on at once; more are answered 429 OVERLOADED + Retry-After before their
    # bodies are read (0: no bridge-side bound; the server still sheds beyond its own).
    max_inflight_requests: int = Field(8, ge=0)
    # API keys the REST clients present (X-API-Key or Authorization: Bearer); empty: open (warned).
    api_keys: tuple[SecretStr, ...] = ()
    # Requests per minute per API key (per client address in open mode); 0: no limit. Over: 429.
    rate_limit_per_minute: int = Field(0, ge=0)
    # Origins allowed by CORS (e.g. "https://ops.example.org"); empty: no CORS headers.
    cors_origins: tuple[str, ...] = ()
    # HTTPS for the REST port: PEM certificate and key (both empty: plain HTTP).
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # How the bridge reaches a gRPC server that wants a key and/or TLS (CA that signed its certificate).
    grpc_api_key: SecretStr = SecretStr("")
    grpc_tls_ca_file: str = ""

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
    # Videos: the call's deadline (the upload limit is the server's limits.max_video_bytes, learned).
    video_deadline_s: float = Field(900.0, gt=0)

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

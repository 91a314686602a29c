"""The bridge's own settings from the environment (GALAXY_ALPR_BRIDGE__KEY), behind a cached dependency.

Only where the server is and how long to wait for it: the service's limits, timezone and version
are the server's, learned at start-up (rest_bridge/service_limits.py).
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

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

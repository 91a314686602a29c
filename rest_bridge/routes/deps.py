"""Shared route dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from rest_bridge.backend import Backend, get_backend
from rest_bridge.settings import BridgeSettings, get_settings

SettingsDep = Annotated[BridgeSettings, Depends(get_settings)]
BackendDep = Annotated[Backend, Depends(get_backend)]

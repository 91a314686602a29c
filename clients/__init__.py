"""Python clients of the Galaxy ALPR gRPC service.

The generated stubs live in the `galaxy.alpr.v1` package (regenerate with
`python scripts/gen_protos.py`); `clients.alpr_client` wraps them in a typed client.
"""

__version__ = "1.0.0"  # the service's version (server/__init__.py); tests/clients/test_distribution.py checks

from clients.alpr_client import AlprClient, AsyncAlprClient, ImageItem, StageName
from clients.video_client import AsyncVideoClient

__all__ = ["AlprClient", "AsyncAlprClient", "AsyncVideoClient", "ImageItem", "StageName"]

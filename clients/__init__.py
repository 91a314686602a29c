"""Python clients of the Galaxy ALPR gRPC service.

The generated stubs live in the `galaxy.alpr.v1` package (regenerate with
`python scripts/gen_protos.py`); `clients.alpr_client` wraps them in a typed client.
"""

from clients.alpr_client import AlprClient, AsyncAlprClient, ImageItem, StageName
from clients.video_client import AsyncVideoClient

__all__ = ["AlprClient", "AsyncAlprClient", "AsyncVideoClient", "ImageItem", "StageName"]

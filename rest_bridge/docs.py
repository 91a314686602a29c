"""/docs (Swagger UI) and /redoc with their JavaScript and CSS served here, so they work without internet.

FastAPI's own pages load the assets from a public CDN and stay blank behind a firewall. The assets
come from the `fastapi-offline-docs` package (a registry package that ships Swagger UI's and ReDoc's
bundles); only its static files are used, the pages are FastAPI's own builders pointed at them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
NO_FAVICON = "data:,"  # the default favicon is fetched from the internet too


def assets_dir() -> Path:
    """Where the installed package keeps swagger-ui-bundle.js, swagger-ui.css and redoc.standalone.js."""
    spec = importlib.util.find_spec("fastapi_offline_docs")
    if spec is None or spec.origin is None:
        raise RuntimeError("fastapi-offline-docs is not installed (pip install -e .)")
    return Path(spec.origin).parent / "static"


def install_offline_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc from local assets (create the app with docs_url=None, redoc_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} - Swagger UI",
                                   swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_URL}/swagger-ui.css", swagger_favicon_url=NO_FAVICON)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{app.title} - ReDoc",
                              redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js", redoc_favicon_url=NO_FAVICON,
                              with_google_fonts=False)

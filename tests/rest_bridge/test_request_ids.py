"""One request id end to end: the REST client's X-Request-ID is echoed and names the server's log lines."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.clients.test_request_ids import captured

API = "/galaxy-alpr/v1"


def test_the_rest_request_id_reaches_the_servers_log(client: TestClient) -> None:
    with captured() as capture:
        r = client.post(f"{API}/alpr-core/process-single-image", headers={"X-Request-ID": "rest-4b1d"},
                        files={"file": ("odd.gif", b"GIF89a" + b"\0" * 20, "image/gif")})
    assert r.status_code == 400 and r.headers["X-Request-ID"] == "rest-4b1d"
    assert any("odd.gif" in line and "request_id=rest-4b1d" in line for line in capture.lines), capture.lines
    fresh = client.get(f"{API}/health", headers={"X-Request-ID": "bad id with spaces"})
    assert fresh.headers["X-Request-ID"] != "bad id with spaces" and len(fresh.headers["X-Request-ID"]) == 32

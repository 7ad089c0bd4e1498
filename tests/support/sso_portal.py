"""A fake IAM Identity Center portal on 127.0.0.1: GetRoleCredentials for one account, role and
bearer token, answering anything else as the real portal does (401 UnauthorizedException)."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SSOPortal:
    """Serves ``credentials`` (a role's keys and session token, as STS gives them) to a caller with ``token`` for ``account_id`` and
    ``role_name``; ``requests`` records each request's path, query and bearer token."""

    def __init__(self, token: str, account_id: str, role_name: str, credentials: dict[str, str]):
        self.token, self.account_id, self.role_name, self.credentials = token, account_id, role_name, credentials
        self.requests: list[dict] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                bearer = self.headers.get("x-amz-sso_bearer_token")
                portal.requests.append({"path": url.path, "query": query, "token": bearer,
                                        "signed": "Authorization" in self.headers})
                if url.path != "/federation/credentials":
                    return self._answer(404, {"message": "not found"}, "ResourceNotFoundException")
                if bearer != portal.token or query != {"account_id": portal.account_id, "role_name": portal.role_name}:
                    return self._answer(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
                self._answer(200, {"roleCredentials": {
                    "accessKeyId": portal.credentials["AWS_ACCESS_KEY_ID"],
                    "secretAccessKey": portal.credentials["AWS_SECRET_ACCESS_KEY"],
                    "sessionToken": portal.credentials["AWS_SESSION_TOKEN"],
                    "expiration": int((time.time() + 3600) * 1000),
                }})

            def _answer(self, status: int, body: dict, error_type: str | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # quiet: pytest shows failures, not every request
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "SSOPortal":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

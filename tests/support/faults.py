"""Fault injection in front of moto: throttling, server errors, resets and truncated bodies on
chosen AWS operations, so tests can prove that a backup either completes or leaves nothing."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs

KINDS = ("throttle", "503", "500", "reset", "truncate")


@dataclass
class _Rule:
    operation: str
    kind: str
    times: int
    skip: int


class FaultPlan:
    """Which operations fail, how, and how often. Thread-safe: the server is threaded."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.fired: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()

    def add(self, operation: str, kind: str, times: int = 1, skip: int = 0) -> None:
        """Fail the next `times` calls of `operation` (after letting `skip` through)."""
        assert kind in KINDS, kind
        with self._lock:
            self._rules.append(_Rule(operation, kind, times, skip))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.fired.clear()
            self.seen.clear()

    def take(self, operation: str) -> str | None:
        with self._lock:
            self.seen[operation] += 1
            for rule in self._rules:
                if rule.operation != operation or rule.times == 0:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                rule.times -= 1
                self.fired[operation] += 1
                return rule.kind
        return None


def operation_of(environ: dict) -> str:
    """The AWS operation of a request: from X-Amz-Target for JSON services, else S3's REST shape."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    method = environ["REQUEST_METHOD"]
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "uploads" in query:
        return "CreateMultipartUpload"
    if "partNumber" in query:
        return "UploadPart"
    if "uploadId" in query:
        return {"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload"}.get(method, "ListParts")
    return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, method)


def _json_error(status: str, code: str, message: str):
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body))), ("x-amzn-RequestId", "fault")], body


def _abort_connection(environ: dict) -> None:
    sock: socket.socket = environ["werkzeug.socket"]
    # Linger 0: close sends RST, as a dropped connection would.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultInjector:
    """WSGI middleware: answers planned faults itself, passes everything else to moto."""

    def __init__(self, app, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    def __call__(self, environ, start_response):
        # Only the tool under test meets faults; the test's own boto3 set-up calls never do.
        from_tool = environ.get("HTTP_USER_AGENT", "").startswith("cognito-backup/")
        kind = self.plan.take(operation_of(environ)) if from_tool else None
        if kind is None:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"].read(length)
        if kind == "reset":
            _abort_connection(environ)
            return []
        if kind == "truncate":
            return self._truncated(environ, start_response)
        status, headers, body = {
            "throttle": lambda: _json_error("400 Bad Request", "TooManyRequestsException", "Rate exceeded"),
            "503": lambda: _json_error("503 Service Unavailable", "ServiceUnavailableException", "injected"),
            "500": lambda: _json_error("500 Internal Server Error", "InternalErrorException", "injected"),
        }[kind]()
        start_response(status, headers)
        return [body]

    @staticmethod
    def _truncated(environ, start_response):
        body = b'{"Users":[{"Username":"cut-off-here'
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body) * 4))])

        def stream():
            yield body
            _abort_connection(environ)

        return stream()

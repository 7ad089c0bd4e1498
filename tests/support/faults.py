"""Fault injection in front of moto: throttling, server errors, resets and truncated bodies on
chosen AWS operations, so tests can prove that a backup either completes or leaves nothing."""

from __future__ import annotations

import io
import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs

KINDS = ("throttle", "503", "500", "reset", "truncate", "drop", "stall", "delay")
"""throttle/503/500: answered here, moto never sees the request. reset: the connection is cut
before moto sees it. truncate: half an answer. drop: moto acts, then the answer is lost (the
connection is cut), the ambiguous failure of a create. stall: the request hangs for `seconds`,
then the connection is cut. delay: moto answers after `seconds` (a slow S3)."""


@dataclass
class _Rule:
    operation: str
    kind: str
    times: int
    skip: int
    seconds: float
    duration: float | None
    """A time-boxed rule: fires for this long from the first call it meets."""
    deadline: float | None = None


class FaultPlan:
    """Which operations fail, how, and how often. Thread-safe: the server is threaded."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.fired: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()
        self.recording = False
        """When set, every request of the tool's is kept in `recorded` as (operation, body)."""
        self.recorded: list[tuple[str, bytes]] = []
        """Headers added to moto's answers: (operation, a string the path holds) -> headers."""
        self.answer_headers: dict[tuple[str, str], dict[str, str]] = {}

    def add(self, operation: str, kind: str, times: int = 1, skip: int = 0, seconds: float = 0.0,
            for_seconds: float | None = None) -> None:
        """Fail the next `times` calls of `operation` (after letting `skip` through); with
        `for_seconds`, every call from the first one that meets the rule until that many seconds
        later, however many. `seconds` is how long `stall` and `delay` wait."""
        assert kind in KINDS, kind
        with self._lock:
            self._rules.append(_Rule(operation, kind, times, skip, seconds, for_seconds))

    def add_answer_headers(self, operation: str, path_contains: str, headers: dict[str, str]) -> None:
        """Adds `headers` to moto's answers to `operation` on paths holding `path_contains`: what
        moto never sets, as S3's x-amz-replication-status on a replicated object."""
        with self._lock:
            self.answer_headers[(operation, path_contains)] = headers

    def headers_for(self, operation: str, path: str) -> list[tuple[str, str]]:
        with self._lock:
            return [item for (op, part), headers in self.answer_headers.items() if op == operation and part in path
                    for item in headers.items()]

    def clear(self) -> None:
        with self._lock:
            self.answer_headers.clear()
            self._rules.clear()
            self.fired.clear()
            self.seen.clear()
            self.recording = False
            self.recorded.clear()

    def take(self, operation: str) -> _Rule | None:
        with self._lock:
            self.seen[operation] += 1
            now = time.monotonic()
            for rule in self._rules:
                if rule.operation != operation or rule.times == 0:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                if rule.duration is not None:
                    if rule.deadline is None:
                        rule.deadline = now + rule.duration
                    if now >= rule.deadline:
                        rule.times = 0
                        continue
                else:
                    rule.times -= 1
                self.fired[operation] += 1
                return rule
        return None


def operation_of(environ: dict) -> str:
    """The AWS operation of a request: from X-Amz-Target for JSON services, else S3's REST shape."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    method = environ["REQUEST_METHOD"]
    if method == "GET" and re.fullmatch(r"/2015-03-31/functions/[^/]+/configuration", environ.get("PATH_INFO", "")):
        return "GetFunctionConfiguration"  # Lambda's REST-JSON path, not an S3 key
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "uploads" in query:
        return "CreateMultipartUpload" if method == "POST" else "ListMultipartUploads"
    if "legal-hold" in query:
        return "PutObjectLegalHold" if method == "PUT" else "GetObjectLegalHold"
    if "/" not in environ.get("PATH_INFO", "").strip("/"):  # path style: /bucket alone
        if "lifecycle" in query:
            return {"GET": "GetBucketLifecycleConfiguration", "PUT": "PutBucketLifecycleConfiguration"}.get(method, method)
        return {"GET": "ListObjectsV2" if "list-type" in query else "ListObjects", "HEAD": "HeadBucket",
                "PUT": "CreateBucket"}.get(method, method)
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
        if from_tool and self.plan.recording:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            with self.plan._lock:
                self.plan.recorded.append((operation_of(environ), body))
        rule = self.plan.take(operation_of(environ)) if from_tool else None
        if rule is None:
            return self.app(environ, self._with_answer_headers(environ, start_response))
        kind = rule.kind
        if kind == "delay":
            time.sleep(rule.seconds)
            return self.app(environ, start_response)
        if kind == "drop":
            return self._dropped(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"].read(length)
        if kind == "stall":
            time.sleep(rule.seconds)
            _abort_connection(environ)
            return []
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

    def _with_answer_headers(self, environ, start_response):
        extra = self.plan.headers_for(operation_of(environ), environ.get("PATH_INFO", ""))
        if not extra:
            return start_response
        return lambda status, headers, exc_info=None: start_response(status, list(headers) + extra, exc_info)

    def _dropped(self, environ, start_response):
        """moto handles the request in full, then the client never hears of it."""
        def discard(status, headers, exc_info=None):
            return lambda data: None
        for _ in self.app(environ, discard):
            pass
        _abort_connection(environ)
        return []

    @staticmethod
    def _truncated(environ, start_response):
        body = b'{"Users":[{"Username":"cut-off-here'
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body) * 4))])

        def stream():
            yield body
            _abort_connection(environ)

        return stream()

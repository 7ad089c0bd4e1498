"""The loopback HTTP server: one port for every service, dispatched by X-Amz-Target (Cognito,
DynamoDB, CloudWatch Logs), by path for the user import jobs' pre-signed URLs, or else as S3
REST; quotas and latency are applied here."""
from __future__ import annotations

import json
import random
import shutil
import tempfile
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .cognito_api import Cognito
from .cognito_pools import SyntheticPool
from .dynamodb import DynamoDB
from .errors import ApiError
from .import_jobs import UPLOAD_PATH, ImportModel
from .logs import Logs
from .quotas import CATEGORY, QUOTAS, Quotas
from .s3 import S3
from .s3_requests import S3Requests
from .stats import Stats

COGNITO_TARGET = "AWSCognitoIdentityProviderService"
DYNAMODB_TARGET = "DynamoDB_20120810"
LOGS_TARGET = "Logs_20140328"


class _Handler(S3Requests, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as SDK clients expect
    server: "_Server"

    def log_message(self, format, *args):
        pass  # one stderr line per request would cost more CPU than serving it

    # -- plumbing

    def _respond(self, status: int, body: bytes = b"", headers: dict | None = None,
                 length: int | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict, content_type: str) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()  # compact, as AWS answers
        headers = {"Content-Type": content_type, "x-amzn-RequestId": str(uuid.uuid4())}
        if "__type" in payload:  # some SDKs read the error code from this header first
            headers["x-amzn-ErrorType"] = payload["__type"].rpartition("#")[2]
        if content_type.endswith("1.0"):  # DynamoDB checksums its bodies; SDKs verify it
            headers["x-amz-crc32"] = str(zlib.crc32(body))
        self._respond(status, body, headers)

    def do_GET(self):
        if self.path == "/stats" and "X-Amz-Target" not in self.headers:
            self._json(200, self.server.fake.stats(), "application/json")
        else:
            self._s3()

    def do_POST(self):
        target = self.headers.get("X-Amz-Target")
        if target is not None:
            self._rpc(target)
        else:
            self._s3()

    def do_PUT(self):
        if self.path.startswith(UPLOAD_PATH):
            self._import_upload()
        else:
            self._s3()

    do_DELETE = do_HEAD = lambda self: self._s3()

    def _import_upload(self) -> None:
        """The S3 side of a user import job's pre-signed URL."""
        fake = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        status, code, message = fake.cognito.upload(url.path[len(UPLOAD_PATH):], parse_qs(url.query), self.headers, body)
        fake.statistics.record("s3:PutObject (import job URL)" + ("" if status == 200 else f" {status}"))
        fake.sleep_latency()
        headers = {"x-amz-request-id": uuid.uuid4().hex[:16].upper()}
        if status == 200:
            self._respond(200, b"", {**headers, "x-amz-server-side-encryption": "aws:kms"})
            return
        payload = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                   f"<RequestId>{headers['x-amz-request-id']}</RequestId></Error>").encode()
        self._respond(status, payload, {**headers, "Content-Type": "application/xml"})

    # -- JSON protocols

    def _rpc(self, target: str) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        service, _, op = target.rpartition(".")
        backend, content_type, prefix = {
            COGNITO_TARGET: (fake.cognito, "application/x-amz-json-1.1", "cognito-idp:"),
            DYNAMODB_TARGET: (fake.dynamodb, "application/x-amz-json-1.0", "dynamodb:"),
            LOGS_TARGET: (fake.logs, "application/x-amz-json-1.1", "logs:"),
        }.get(service, (None, "application/x-amz-json-1.1", "unknown:"))
        category = CATEGORY.get(op) if service == COGNITO_TARGET else None
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        pool_key = body.get("UserPoolId") or body.get("Domain") if isinstance(body, dict) else None
        if category and not fake.quotas.admit(category, op, pool_key):
            fake.statistics.record(prefix + op, category, throttled=True)
            self._json(400, {"__type": "TooManyRequestsException",
                             "message": "Too many requests"}, content_type)
            return
        fake.statistics.record(prefix + op, category)
        fake.sleep_latency()
        try:
            if backend is None:
                raise ApiError("UnknownOperationException", f"Unknown operation {target}")
            if not isinstance(body, dict):
                raise ApiError("SerializationException", "Request body is not a JSON object")
            self._json(200, backend.call(op, body), content_type)
        except ApiError as error:
            self._json(400, {"__type": error.code, "message": error.message}, content_type)



class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 16+ clients connecting at once must not see refusals
    fake: "FakeAWS"


class FakeAWS:
    """A running fake: `url`, `stats()`, `stop()`."""

    def __init__(self, *, users=1000, groups=10, members_per_group=100, latency_ms=30.0,
                 seed=1, port=0, quotas=None, ddb_keys=None, part_delay_s=0.0, import_rate=None,
                 import_pending_s=None, import_url_lifetime_s=None):
        self.latency_s = latency_ms / 1000.0
        self.part_delay_s = part_delay_s
        self._jitter = random.Random(seed)
        self.quotas = Quotas({**QUOTAS, **(quotas or {})})
        self.statistics = Stats()
        self.logs = Logs()
        model = ImportModel(**{name: value for name, value in (("rate", import_rate), ("pending_s", import_pending_s),
                                                                ("url_lifetime_s", import_url_lifetime_s)) if value is not None})
        self.cognito = Cognito(SyntheticPool(users, groups, members_per_group, seed), self.logs, model)
        self.dynamodb = DynamoDB(dict(ddb_keys or {}))
        self._root = tempfile.mkdtemp(prefix="fake_cognito_s3_")
        self.s3 = S3(self._root)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.cognito.upload_base = self.url
        # A short poll interval keeps stop() quick; the idle wake-ups cost nothing measurable.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-cognito", daemon=True)
        self._thread.start()

    def sleep_latency(self) -> None:
        if self.latency_s > 0:
            time.sleep(self.latency_s * self._jitter.uniform(0.7, 1.3))

    def stats(self) -> dict:
        return {**self.statistics.snapshot(), "s3": self.s3.usage(), "import_jobs": self.cognito.describe_import_jobs()}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self._root, ignore_errors=True)


def start(**options) -> FakeAWS:
    """Starts a fake on 127.0.0.1 in background threads. Options: users, groups,
    members_per_group, latency_ms, seed, port, quotas ({category: rps} overrides),
    ddb_keys ({table: (hash, range or None)}), part_delay_s (added to every UploadPart),
    import_rate (users/s a user import job takes, import_jobs.IMPORT_RATE by default),
    import_pending_s and import_url_lifetime_s (see import_jobs.ImportModel)."""
    return FakeAWS(**options)

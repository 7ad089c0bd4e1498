#!/usr/bin/env python3
"""Lambda Runtime API (2018-06-01) emulator for testing the custom runtime locally.

    api = RuntimeAPI(timeout_ms=30_000).start()
    env AWS_LAMBDA_RUNTIME_API=api.address  ->  start the runtime
    rid = api.invoke(b'{"op": "backup"}'); api.wait_result(rid, 60)  ->  {"kind", "body", "headers"}
    api.stop()

    python3 tests/support/runtime_api.py --event a.json [--event b.json] -- CMD ARGS...
        runs CMD against the emulator, feeds the events in order, prints one JSON line
        {"request_id", "kind", "body"} per result; exits 0 only if every event got a
        response. CMD's stdout goes to stderr so stdout carries only those lines.

Behaviour follows the real API: /next long-polls, ids are single-use (an unknown id
gets 400 InvalidRequestID, a second answer 403 InvalidStateTransition), responses over
6 MB get 413. Unlike the real one, /next gives up after `max_wait_s` with 503 so a
stuck test cannot hang, `fail_next()` makes the next /next a 500 (the "container
error" a runtime must exit on), and `lose_next_answer()` loses an answer and delivers its
event again with the same request id, as Lambda retries an asynchronous invocation whose
answer it never got. Stdlib only.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import secrets
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100  # 6291556, the limit the real API enforces
DRAIN_LIMIT = 4 * MAX_RESPONSE_BYTES
DEFAULT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:cognito-backup"
_RESULT_PATH = re.compile(PREFIX + r"/invocation/([^/]+)/(response|error)")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # runtimes keep one connection alive across invokes
    server: "_Server"

    def log_message(self, format, *args):
        pass  # the runtime under test owns stderr

    def _cut(self) -> None:
        """Close with SO_LINGER 0, so the runtime sees its connection reset and no answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, error_type: str, message: str) -> None:
        self._json(status, {"errorMessage": message, "errorType": error_type})

    def _read_body(self) -> bytes | None:
        """The request body; None if it is too big even to drain (the connection is
        then closed). Bodies up to DRAIN_LIMIT are read in full so an oversized
        response gets its 413 rather than a broken pipe. Runtimes that stream send
        chunked bodies, so both framings are accepted."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length <= DRAIN_LIMIT else None
        parts, size = [], 0
        while size <= DRAIN_LIMIT:  # bounded by the limit
            chunk = int(self.rfile.readline(1024).split(b";")[0] or b"0", 16)
            if chunk == 0:
                for _ in range(100):  # trailer lines, then the blank line; bounded
                    if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                        break
                return b"".join(parts)
            parts.append(self.rfile.read(chunk))
            self.rfile.read(2)
            size += chunk
        return None

    def do_GET(self):
        if self.path == PREFIX + "/invocation/next":
            self.server.api._next(self)
        else:
            self._error(404, "NotFound", f"no route for GET {self.path}")

    def do_POST(self):
        m = _RESULT_PATH.fullmatch(self.path)
        loss = self.server.api._take_loss(m[1]) if m and m[2] == "response" else None
        if loss == "reset":
            self._cut()  # before the body is read: the answer never arrives
            return
        body = self._read_body()
        if loss == "drop":
            self.server.api._lost(m[1], body)
            self._cut()
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        if body is None or len(body) > MAX_RESPONSE_BYTES:
            self.close_connection = body is None  # the rest of the body is left unread
            self.server.api._too_large(self)
        elif self.path == PREFIX + "/init/error":
            self.server.api._init_error(body, headers)
            self._json(202, {"status": "OK"})
        elif m := _RESULT_PATH.fullmatch(self.path):
            self.server.api._result(self, m[1], m[2], body, headers)
        else:
            self._error(404, "NotFound", f"no route for POST {self.path}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: "RuntimeAPI"


class RuntimeAPI:
    """The emulator. `invoke` queues an event; the runtime's /next takes it; its
    response or error lands in `wait_result`. All state is guarded by one condition."""

    def __init__(self, timeout_ms: int = 900_000, max_wait_s: float = 60.0,
                 function_arn: str = DEFAULT_ARN):
        self.timeout_ms, self.max_wait_s, self.function_arn = timeout_ms, max_wait_s, function_arn
        self.init_errors: list[dict] = []   # {"body": bytes, "headers": {lower-case: value}}
        self.lost_answers: list[dict] = []  # {"request_id", "body"}: read, then lost (drop)
        self.deliveries: collections.Counter = collections.Counter()  # request id -> /next handed it out
        self.first_next_at: float | None = None  # time.monotonic() of the first /next
        self._cond = threading.Condition()
        self._queue: collections.deque = collections.deque()  # (id, payload, deadline_ms)
        self._in_flight: dict[str, tuple] = {}  # id -> (payload, deadline_ms): handed out, not answered
        self._results: dict[str, dict] = {}
        self._fail_next = False
        self._lose_next: str | None = None
        self._stopping = False
        self._server: _Server | None = None
        self.address = ""

    def start(self) -> "RuntimeAPI":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self.address = f"127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,),  # quick stop()
                         name="runtime-api", daemon=True).start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()  # long-polling /next calls answer 503 and end
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def invoke(self, payload: bytes, deadline_ms: int | None = None) -> str:
        """Queues an event; returns its request id. The deadline defaults to delivery
        time + timeout_ms."""
        request_id = str(uuid.uuid4())
        with self._cond:
            self._queue.append((request_id, payload, deadline_ms))
            self._cond.notify_all()
        return request_id

    def wait_result(self, request_id: str, timeout_s: float) -> dict:
        """{"kind": "response"|"error", "body": bytes, "headers": {lower-case: value}};
        raises TimeoutError if the runtime has not answered in time."""
        with self._cond:
            if not self._cond.wait_for(lambda: request_id in self._results, timeout_s):
                raise TimeoutError(f"no result for {request_id} within {timeout_s} s")
            return self._results[request_id]

    def fail_next(self) -> None:
        """Answer the next /next with HTTP 500, as Lambda does on a container error."""
        with self._cond:
            self._fail_next = True

    def lose_next_answer(self, how: str) -> None:
        """Lose the next /response: `reset` cuts the connection before reading it, `drop`
        reads it (kept in `lost_answers`) and then cuts the connection. Either way the
        runtime hears nothing, and the event is queued again under the same request id."""
        assert how in ("reset", "drop"), how
        with self._cond:
            self._lose_next = how

    # -- called by the handler threads

    def _take_loss(self, request_id: str) -> str | None:
        with self._cond:
            how, self._lose_next = self._lose_next, None
            if how is None or request_id not in self._in_flight:
                self._lose_next = how
                return None
            payload, deadline_ms = self._in_flight.pop(request_id)
            self._queue.append((request_id, payload, deadline_ms))
            self._cond.notify_all()
            return how

    def _lost(self, request_id: str, body: bytes | None) -> None:
        with self._cond:
            self.lost_answers.append({"request_id": request_id, "body": body})

    def _next(self, handler: _Handler) -> None:
        with self._cond:
            if self.first_next_at is None:
                self.first_next_at = time.monotonic()
            failing, self._fail_next = self._fail_next, False
            ready = not failing and bool(self._cond.wait_for(
                lambda: self._queue or self._stopping, self.max_wait_s)) and not self._stopping
            if ready:
                event = self._queue.popleft()
                self._in_flight[event[0]] = event[1:]
                self.deliveries[event[0]] += 1
        # Answer outside the lock: a slow reader must not stall the other handlers.
        if failing:
            handler._error(500, "Runtime.ContainerError", "emulated container error")
            return
        if not ready:
            handler.close_connection = True
            handler._error(503, "EmulatorIdle", "no invocation arrived within max_wait_s")
            return
        request_id, payload, deadline_ms = event
        deadline_ms = deadline_ms or int(time.time() * 1000) + self.timeout_ms
        trace = (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
                 f"Parent={secrets.token_hex(8)};Sampled=0")
        handler.send_response(200)
        for name, value in (("Content-Type", "application/json"),
                            ("Lambda-Runtime-Aws-Request-Id", request_id),
                            ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
                            ("Lambda-Runtime-Invoked-Function-Arn", self.function_arn),
                            ("Lambda-Runtime-Trace-Id", trace),
                            ("Content-Length", str(len(payload)))):
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _result(self, handler: _Handler, request_id: str, kind: str, body: bytes,
                headers: dict) -> None:
        with self._cond:
            if request_id in self._results:
                status = 403
            elif request_id in self._in_flight:
                status = 202
                del self._in_flight[request_id]
                self._results[request_id] = {"kind": kind, "body": body, "headers": headers,
                                             "received_ms": int(time.time() * 1000)}
                self._cond.notify_all()
            else:
                status = 400
        if status == 202:
            handler._json(202, {"status": "OK"})
        elif status == 403:
            handler._error(403, "InvalidStateTransition",
                           f"invocation {request_id} was already answered")
        else:
            handler._error(400, "InvalidRequestID", "Invalid request ID")

    def _too_large(self, handler: _Handler) -> None:
        """A response over the limit fails the invocation, as with real Lambda."""
        m = _RESULT_PATH.fullmatch(handler.path)
        with self._cond:
            if m and m[1] in self._in_flight:
                del self._in_flight[m[1]]
                error = {"errorMessage": "Response payload size exceeded maximum allowed "
                                         f"payload size ({MAX_RESPONSE_BYTES} bytes).",
                         "errorType": "Function.ResponseSizeTooLarge"}
                self._results[m[1]] = {"kind": "error", "body": json.dumps(error).encode(),
                                       "headers": {}}
                self._cond.notify_all()
        handler._error(413, "RequestEntityTooLarge",
                       f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).")

    def _init_error(self, body: bytes, headers: dict) -> None:
        with self._cond:
            self.init_errors.append({"body": body, "headers": headers})
            self._cond.notify_all()


def _stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print("usage: runtime_api.py --event FILE [--event FILE...] [--timeout-s S] -- CMD ARGS...",
              file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("--event", action="append", required=True, help="event JSON file")
    parser.add_argument("--timeout-s", type=float, default=900.0, help="for the whole run")
    parser.add_argument("--function-timeout-ms", type=int, default=900_000,
                        help="sets Lambda-Runtime-Deadline-Ms")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    deadline = time.monotonic() + args.timeout_s

    api = RuntimeAPI(timeout_ms=args.function_timeout_ms, max_wait_s=args.timeout_s).start()
    process = subprocess.Popen(command, stdout=sys.stderr,
                               env={**os.environ, "AWS_LAMBDA_RUNTIME_API": api.address})
    all_ok = True
    try:
        for path in args.event:
            with open(path, "rb") as f:
                request_id = api.invoke(f.read())
            result = None
            while result is None and time.monotonic() < deadline:  # bounded by --timeout-s
                try:
                    result = api.wait_result(request_id, 0.2)
                except TimeoutError:
                    if api.init_errors or process.poll() is not None:
                        break
            if result is None:
                all_ok = False
                why = ("init_error" if api.init_errors else
                       "exited" if process.poll() is not None else "timeout")
                body = api.init_errors[0]["body"] if api.init_errors else b""
                print(json.dumps({"request_id": request_id, "kind": why,
                                  "body": body.decode("utf-8", "replace")}), flush=True)
                break
            all_ok &= result["kind"] == "response"
            print(json.dumps({"request_id": request_id, "kind": result["kind"],
                              "body": result["body"].decode("utf-8", "replace")}), flush=True)
    finally:
        _stop_process(process)
        api.stop()
    return 0 if all_ok and not api.init_errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

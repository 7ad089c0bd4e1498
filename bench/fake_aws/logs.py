"""CloudWatch Logs (JSON 1.1, target Logs_20140328): the streams import jobs write, and
FilterLogEvents, the one read a restore makes of them (at most 10,000 events a page,
`nextToken` to go on, ResourceNotFoundException for a group that does not exist)."""
from __future__ import annotations

import threading
import time

from . import tokens
from .errors import ApiError

MAX_EVENTS = 10_000


class Stream:
    def __init__(self, name: str, lock: threading.Lock):
        self.name, self._lock = name, lock
        self.events: list[tuple[int, str]] = []  # (timestamp in ms, message)

    def put(self, message: str) -> None:
        with self._lock:
            self.events.append((int(time.time() * 1000), message))


class Logs:
    def __init__(self):
        self._lock = threading.Lock()
        self.groups: dict[str, dict[str, Stream]] = {}

    def stream(self, group: str, name: str) -> Stream:
        """The stream, made with its group if need be (what the job's role is allowed to do)."""
        with self._lock:
            streams = self.groups.setdefault(group, {})
            return streams.setdefault(name, Stream(name, self._lock))

    def call(self, op: str, body: dict) -> dict:
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {op}")
        return handler(body)

    def op_FilterLogEvents(self, body):
        group = body.get("logGroupName") or body.get("logGroupIdentifier")
        limit = body.get("limit", MAX_EVENTS)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_EVENTS:
            raise ApiError("InvalidParameterException", f"limit must be between 1 and {MAX_EVENTS}.")
        with self._lock:
            if group not in self.groups:
                raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
            names = body.get("logStreamNames") or list(self.groups[group])
            events = [(timestamp, stream, message) for stream in names if stream in self.groups[group]
                      for timestamp, message in self.groups[group][stream].events]
        events.sort(key=lambda event: event[0])  # stable: each stream's order is kept
        start = _position(body.get("nextToken"), group)
        page = events[start:start + limit]
        result = {"events": [{"logStreamName": stream, "timestamp": timestamp, "ingestionTime": timestamp,
                              "message": message, "eventId": f"{start + i:056d}"}
                             for i, (timestamp, stream, message) in enumerate(page)],
                  "searchedLogStreams": [{"logStreamName": name, "searchedCompletely": True} for name in names]}
        if start + limit < len(events):
            result["nextToken"] = tokens.token(group, start + limit)
        return result


def _position(token: str | None, group: str) -> int:
    return tokens.position(token, group, "The specified nextToken is invalid.")

"""Pagination tokens of the fake's listings: a position bound to the listing that issued it (a
filter, a group, a log group), refused for any other, as AWS refuses them."""

from __future__ import annotations

import base64
import json

from .errors import ApiError


def token(scope: str, position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([scope, position]).encode()).decode()


def position(issued: str | None, scope: str, invalid: str) -> int:
    """Where `issued` resumes; 0 without one; `invalid` is the service's message for a bad one."""
    if not issued:
        return 0
    try:
        issued_for, at = json.loads(base64.urlsafe_b64decode(issued))
    except (ValueError, TypeError):
        issued_for, at = None, -1
    if issued_for != scope or not isinstance(at, int) or at < 0:
        raise ApiError("InvalidParameterException", invalid)
    return at

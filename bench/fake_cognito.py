#!/usr/bin/env python3
"""Fake AWS endpoint for cognito-backup benchmarks: Cognito user pools (JSON 1.1),
S3 (path-style REST) and DynamoDB (JSON 1.0) on one loopback port.

Cognito's per-account request-rate quotas are enforced, so a benchmark measures what
the real service would allow rather than what loopback allows. Signatures are not
checked. Stdlib only.

    python3 bench/fake_cognito.py --users 10000 --groups 20 --members-per-group 500
        prints FAKE_URL=http://127.0.0.1:PORT, serves until SIGTERM/SIGINT, then
        writes the final /stats JSON to stderr.

    from fake_cognito import start
    fake = start(users=500, latency_ms=0); fake.url; fake.stats(); fake.stop()
"""
from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import operator
import os
import random
import re
import secrets
import shutil
import signal
import string
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

REGION = "us-east-1"
ACCOUNT = "123456789012"
BENCH_POOL_ID = "us-east-1_BENCH0001"
COGNITO_TARGET = "AWSCognitoIdentityProviderService"
DYNAMODB_TARGET = "DynamoDB_20120810"
EPOCH = 1_700_000_000.0  # synthetic users are created one minute apart from here

# Cognito user-pool request-rate quotas, requests per second per account and Region:
# "Quotas in Amazon Cognito", table "API operation categories and request rate quotas".
# Only the categories of operations served here are listed; the others are
# UserAuthentication 120, UserFederation 25, UserAccountRecovery 30, UserToken 120,
# UserResourceRead 50, UserResourceUpdate 25, ClientAuthentication 150.
QUOTAS = {
    "UserList": 30,
    "UserCreation": 50,
    "UserUpdate": 25,
    "UserRead": 120,
    "UserPoolRead": 15,
    "UserPoolUpdate": 15,
    "UserPoolResourceRead": 20,
    "UserPoolResourceUpdate": 15,
    "UserPoolClientRead": 15,
    "UserPoolClientUpdate": 15,
}
# Footnote 1 of that table: in these categories any single operation is also capped
# at 5 rps per user pool (so 20 CreateGroup calls on one pool take 4 s, not 1.3 s).
PER_POOL_CATEGORIES = {"UserPoolResourceRead", "UserPoolResourceUpdate",
                       "UserPoolClientRead", "UserPoolClientUpdate"}
PER_POOL_OP_RPS = 5
# The docs list operations per category. Marked (?) are placements the docs left
# ambiguous or that postdate them; each is a pool-level read/write like its neighbours.
CATEGORY_OPS = {
    "UserList": ("ListUsers", "ListUsersInGroup"),
    "UserCreation": ("AdminCreateUser",),
    "UserUpdate": ("AdminDisableUser", "AdminEnableUser", "AdminAddUserToGroup"),
    "UserRead": ("AdminGetUser",),
    "UserPoolRead": ("DescribeUserPool", "GetUserPoolMfaConfig",
                     "GetLogDeliveryConfiguration"),  # (?)
    "UserPoolUpdate": ("CreateUserPool", "UpdateUserPool", "SetUserPoolMfaConfig",
                       "AddCustomAttributes", "SetLogDeliveryConfiguration"),  # last two (?)
    "UserPoolResourceRead": ("ListGroups", "ListIdentityProviders", "DescribeIdentityProvider",
                             "ListResourceServers", "DescribeUserPoolDomain",
                             "GetUICustomization", "DescribeRiskConfiguration",
                             "DescribeManagedLoginBrandingByClient", "ListTerms"),  # last two (?)
    "UserPoolResourceUpdate": ("CreateGroup", "CreateIdentityProvider", "CreateResourceServer",
                               "CreateUserPoolDomain", "SetUICustomization",
                               "SetRiskConfiguration", "TagResource"),  # TagResource (?)
    "UserPoolClientRead": ("ListUserPoolClients", "DescribeUserPoolClient"),
    "UserPoolClientUpdate": ("CreateUserPoolClient",),
}
CATEGORY = {op: category for category, ops in CATEGORY_OPS.items() for op in ops}

STANDARD_ATTRIBUTES = (
    "sub", "name", "given_name", "family_name", "middle_name", "nickname",
    "preferred_username", "profile", "picture", "website", "email", "email_verified",
    "gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified",
    "address", "updated_at", "identities")
MIN_PART_SIZE = 5 * 1024 * 1024  # S3 rejects smaller non-final multipart parts
COPY_CHUNK = 1024 * 1024


class ApiError(Exception):
    """An error the JSON protocols return as {"__type", "message"}."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Quotas:
    """Token buckets holding one second of quota: a full bucket admits a burst of
    `rate` calls, then `rate` per second, which is how Cognito's quotas look to a
    client. Refused calls take no token, like real throttled calls."""

    def __init__(self, rates: dict[str, float]):
        self._rates = rates
        self._buckets: dict[object, list[float]] = {}  # key -> [tokens, refilled at]
        self._lock = threading.Lock()

    def admit(self, category: str, op: str, pool_key: object) -> bool:
        limits = [(category, self._rates[category])]
        if category in PER_POOL_CATEGORIES:
            limits.append(((op, pool_key), PER_POOL_OP_RPS))
        now = time.monotonic()
        with self._lock:
            buckets = [self._refill(key, rate, now) for key, rate in limits]
            if any(bucket[0] < 1 for bucket in buckets):
                return False
            for bucket in buckets:
                bucket[0] -= 1
            return True

    def _refill(self, key: object, rate: float, now: float) -> list[float]:
        capacity = max(rate, 1.0)
        bucket = self._buckets.setdefault(key, [capacity, now])
        bucket[0] = min(capacity, bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
        return bucket


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self._requests: dict[str, int] = {}
        self._throttled: dict[str, int] = {}
        self._windows: dict[str, list[float]] = {}  # category -> [first, last] epoch s

    def record(self, op: str, category: str | None = None, throttled: bool = False) -> None:
        now = time.time()
        with self._lock:
            self._requests[op] = self._requests.get(op, 0) + 1
            if category:
                self._windows.setdefault(category, [now, now])[1] = now
                if throttled:
                    self._throttled[category] = self._throttled.get(category, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "throttled": dict(self._throttled),
                "categories": {c: {"first": w[0], "last": w[1]} for c, w in self._windows.items()},
            }


# ---------------------------------------------------------------- Cognito pools

def _standard_schema() -> list[dict]:
    schema = []
    for name in STANDARD_ATTRIBUTES:
        kind = ("Boolean" if name.endswith("_verified")
                else "Number" if name == "updated_at" else "String")
        entry = {"Name": name, "AttributeDataType": kind, "DeveloperOnlyAttribute": False,
                 "Mutable": name != "sub", "Required": name == "sub"}
        if kind == "String":
            entry["StringAttributeConstraints"] = {
                "MinLength": "1" if name == "sub" else "0", "MaxLength": "2048"}
        elif kind == "Number":
            entry["NumberAttributeConstraints"] = {"MinValue": "0"}
        schema.append(entry)
    return schema


def _random_id(length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class Pool:
    """What every pool has; subclasses decide where users and memberships live.
    Users are read-only here; CreatedPool overrides the writers."""

    def __init__(self, pool_id: str, name: str, config: dict, created: float):
        self.id, self.name, self.config = pool_id, name, config
        self.created = self.modified = created
        self.schema = _standard_schema()
        self.groups: dict[str, dict] = {}
        self.clients: dict[str, dict] = {}
        self.providers: dict[str, dict] = {}
        self.resource_servers: dict[str, dict] = {}
        self.mfa: dict = {"MfaConfiguration": "OFF"}
        self.ui: dict[str, dict] = {}       # ClientId or "ALL" -> UICustomizationType
        self.risk: dict[str, dict] = {}     # ClientId or "" -> RiskConfigurationType
        self.log_configurations: list = []
        self.domain: dict | None = None     # DomainDescriptionType

    def describe(self) -> dict:
        pool = {**self.config, "Id": self.id, "Name": self.name,
                "Arn": f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{self.id}",
                "CreationDate": self.created, "LastModifiedDate": self.modified,
                "SchemaAttributes": self.schema, "EstimatedNumberOfUsers": self.user_count(),
                "MfaConfiguration": self.mfa["MfaConfiguration"]}
        if self.domain:
            pool["Domain"] = self.domain["Domain"]
        return pool

    def add_schema(self, entries: list[dict]) -> None:
        known = {entry["Name"]: entry for entry in self.schema}
        for entry in entries:
            name = entry.get("Name", "")
            if name in STANDARD_ATTRIBUTES:  # CreateUserPool may tighten a standard one
                known[name].update(entry)
                continue
            name = name if name.startswith("custom:") else "custom:" + name
            if name in known:
                raise ApiError("InvalidParameterException",
                               f"Existing attribute already has name {name}.")
            known[name] = {"AttributeDataType": "String", "DeveloperOnlyAttribute": False,
                           "Mutable": True, "Required": False, **entry, "Name": name}
            self.schema.append(known[name])

    def _read_only(self, *_args):
        raise ApiError("InvalidParameterException",
                       "fake_cognito: the synthetic pool's users are read-only; "
                       "restore into a pool made with CreateUserPool")

    create_user = set_enabled = add_to_group = _read_only


class SyntheticPool(Pool):
    """The pool under backup. Users are computed from their index on demand, so 100k
    users cost a sorted list of subs, not 100k dicts. Ordering the index by sub (the
    per-first-hex-digit buckets, concatenated) makes `sub ^= "x"` a bisect."""

    def __init__(self, users: int, groups: int, members_per_group: int, seed: int):
        super().__init__(BENCH_POOL_ID, "bench-pool", {
            "Policies": {"PasswordPolicy": {
                "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                "RequireNumbers": True, "RequireSymbols": False,
                "TemporaryPasswordValidityDays": 7}},
            "DeletionProtection": "ACTIVE", "LambdaConfig": {},
            "AutoVerifiedAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": False},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "AccountRecoverySetting": {
                "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
            "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
            "UserPoolTags": {"env": "bench"}, "UserPoolTier": "ESSENTIALS",
        }, EPOCH - 86400.0)
        rng = random.Random(seed)
        self._subs = [uuid.UUID(int=rng.getrandbits(128), version=4).int for _ in range(users)]
        self._by_sub = sorted(range(users), key=self._subs.__getitem__)
        self._sorted_subs = [self._subs[i] for i in self._by_sub]
        self._width = max(6, len(str(users)))
        self._members = min(members_per_group, users)
        self.add_schema([{"Name": "tenant", "AttributeDataType": "String",
                          "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}}])
        self.mfa = {"SoftwareTokenMfaConfiguration": {"Enabled": True},
                    "MfaConfiguration": "OPTIONAL"}
        self._group_index = {}
        for g in range(groups):
            name = f"group-{g + 1:02d}"
            self._group_index[name] = g
            self.groups[name] = {"GroupName": name, "UserPoolId": self.id,
                                 "Description": f"Synthetic group {g + 1}", "Precedence": g,
                                 "CreationDate": self.created, "LastModifiedDate": self.created}
        for client_name, secret in (("bench-web", False), ("bench-server", True)):
            client_id = "".join(rng.choice(string.ascii_lowercase + string.digits)
                                for _ in range(26))
            client = {"UserPoolId": self.id, "ClientName": client_name, "ClientId": client_id,
                      "CreationDate": self.created, "LastModifiedDate": self.created,
                      "RefreshTokenValidity": 30, "AccessTokenValidity": 60,
                      "IdTokenValidity": 60,
                      "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes",
                                             "RefreshToken": "days"},
                      "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
                      "SupportedIdentityProviders": ["COGNITO"],
                      "AllowedOAuthFlowsUserPoolClient": False,
                      "PreventUserExistenceErrors": "ENABLED", "EnableTokenRevocation": True,
                      "AuthSessionValidity": 3}
            if secret:
                client["ClientSecret"] = "".join(
                    rng.choice(string.ascii_lowercase + string.digits) for _ in range(51))
            else:
                client.update(CallbackURLs=["https://bench.example.com/callback"],
                              AllowedOAuthFlows=["code"],
                              AllowedOAuthScopes=["openid", "email"],
                              AllowedOAuthFlowsUserPoolClient=True)
            self.clients[client_id] = client
        self.domain = {"UserPoolId": self.id, "AWSAccountId": ACCOUNT,
                       "Domain": "bench-pool-0001", "S3Bucket": "aws-cognito-prod-iad-assets",
                       "CloudFrontDistribution": "d3oia8etllorh5.cloudfront.net",
                       "Version": "20231115000000", "Status": "ACTIVE", "ManagedLoginVersion": 1}

    def user_count(self) -> int:
        return len(self._subs)

    def _username(self, i: int) -> str:
        return f"user-{i + 1:0{self._width}d}"

    def _user(self, i: int) -> dict:
        name, created = self._username(i), EPOCH + 60.0 * (i + 1)
        return {"Username": name,
                "Attributes": [{"Name": "sub", "Value": str(uuid.UUID(int=self._subs[i]))},
                               {"Name": "email_verified", "Value": "true"},
                               {"Name": "name", "Value": f"Bench User {i + 1}"},
                               {"Name": "custom:tenant", "Value": f"tenant-{i % 100:03d}"},
                               {"Name": "email", "Value": f"{name}@example.com"}],
                "UserCreateDate": created, "UserLastModifiedDate": created + 86400.0,
                "Enabled": True, "UserStatus": "CONFIRMED"}

    def _sub_span(self, prefix: str) -> tuple[int, int]:
        """Positions in sub order of the subs starting with prefix (dashes included)."""
        digits = prefix.replace("-", "")
        try:
            low = int(digits.ljust(32, "0"), 16)
        except ValueError:
            return 0, 0
        # int() also accepts "+", "_" and capitals; rendering the bound back rejects them
        # along with misplaced dashes.
        if len(digits) > 32 or str(uuid.UUID(int=low))[:len(prefix)] != prefix:
            return 0, 0
        high = (int(digits, 16) + 1) << 4 * (32 - len(digits)) if digits else 1 << 128
        return (bisect.bisect_left(self._sorted_subs, low),
                bisect.bisect_left(self._sorted_subs, high))

    def _name_span(self, value: str, prefix: bool) -> tuple[int, int]:
        """Indexes of the usernames equal to (or starting with) value; usernames are
        fixed-width, so a prefix is a range of user numbers."""
        if not prefix:
            number = value[5:]
            ok = value.startswith("user-") and number.isdigit() and len(number) == self._width
            i = int(number) - 1 if ok else -1
            return (i, i + 1) if 0 <= i < len(self._subs) else (0, 0)
        if "user-".startswith(value):
            return 0, len(self._subs)
        digits = value[5:]
        if not (value.startswith("user-") and digits.isdigit() and len(digits) <= self._width):
            return 0, 0
        scale = 10 ** (self._width - len(digits))
        return (max(int(digits) * scale - 1, 0),
                min((int(digits) + 1) * scale - 1, len(self._subs)))

    def list_users(self, match, start: int, limit: int) -> tuple[list[dict], int | None]:
        order = self._by_sub
        if match is None:
            low, high = 0, len(order)
        elif match[0] == "sub":
            exact_ok = match[1] == "^=" or len(match[2]) == 36
            low, high = self._sub_span(match[2]) if exact_ok else (0, 0)
        else:
            order = range(len(self._subs))
            low, high = self._name_span(match[2], match[1] == "^=")
        first = low + start
        last = min(high, first + limit)
        return ([self._user(order[i]) for i in range(first, last)],
                last - low if last < high else None)

    def get_user(self, username: str) -> dict | None:
        low, high = self._name_span(username, prefix=False)
        return self._user(low) if high else None

    def group_members(self, group: str, start: int, limit: int):
        if group not in self._group_index:  # added by CreateGroup: no members
            return [], None
        base = self._group_index[group] * self._members
        end = min(self._members, start + limit)
        users = [self._user((base + j) % len(self._subs)) for j in range(start, end)]
        return users, end if end < self._members else None


class _StoredUser:
    __slots__ = ("sub", "attributes", "enabled", "created", "modified", "status")

    def __init__(self, attributes: str, now: float):
        self.sub, self.attributes = str(uuid.uuid4()), attributes
        self.enabled, self.created, self.modified = True, now, now
        self.status = "FORCE_CHANGE_PASSWORD"  # what AdminCreateUser leaves a user in


class CreatedPool(Pool):
    """A pool made by CreateUserPool (a restore target). Attributes are kept as compact
    JSON text so a 100k-user restore stays in the tens of MB."""

    def __init__(self, pool_id: str, name: str, config: dict, created: float):
        super().__init__(pool_id, name, config, created)
        self._users: dict[str, _StoredUser] = {}
        self._order: list[str] = []  # creation order, so paging is stable
        self._members: dict[str, dict[str, None]] = {}  # group -> ordered set of usernames

    def user_count(self) -> int:
        return len(self._users)

    def _user(self, username: str) -> dict:
        user = self._users[username]
        return {"Username": username,
                "Attributes": [{"Name": "sub", "Value": user.sub}, *json.loads(user.attributes)],
                "UserCreateDate": user.created, "UserLastModifiedDate": user.modified,
                "Enabled": user.enabled, "UserStatus": user.status}

    def list_users(self, match, start: int, limit: int):
        def wanted(username: str) -> bool:
            if match is None:
                return True
            attr, op, value = match
            actual = username if attr == "username" else self._users[username].sub
            return actual.startswith(value) if op == "^=" else actual == value

        found, i = [], start
        while i < len(self._order) and len(found) < limit:
            if wanted(self._order[i]):
                found.append(self._user(self._order[i]))
            i += 1
        return found, i if i < len(self._order) else None

    def get_user(self, username: str) -> dict | None:
        return self._user(username) if username in self._users else None

    def group_members(self, group: str, start: int, limit: int):
        members = list(self._members.get(group, {}))
        end = min(len(members), start + limit)
        return [self._user(u) for u in members[start:end]], end if end < len(members) else None

    def create_user(self, username: str, attributes: list[dict], now: float) -> dict:
        if username in self._users:
            raise ApiError("UsernameExistsException", "User account already exists")
        names = {entry["Name"] for entry in self.schema}
        for attribute in attributes:
            name = attribute.get("Name")
            if name == "sub":  # Cognito assigns sub; a restore cannot carry it over
                raise ApiError("InvalidParameterException",
                               "Attributes did not conform to the schema: "
                               "sub: Attribute cannot be updated.")
            if name not in names:
                raise ApiError("InvalidParameterException",
                               "Attributes did not conform to the schema: Type for "
                               f"attribute {{{name}}} could not be determined")
        self._users[username] = _StoredUser(json.dumps(attributes, separators=(",", ":")), now)
        self._order.append(username)
        return self._user(username)

    def set_enabled(self, username: str, enabled: bool, now: float) -> None:
        user = self._users.get(username)
        if user is None:
            raise ApiError("UserNotFoundException", "User does not exist.")
        user.enabled, user.modified = enabled, now

    def add_to_group(self, username: str, group: str) -> None:
        if username not in self._users:
            raise ApiError("UserNotFoundException", "User does not exist.")
        self._members.setdefault(group, {})[username] = None


# ---------------------------------------------------------------- Cognito API

_FILTER = re.compile(r'\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*')


def _parse_filter(text: str) -> tuple[str, str, str]:
    m = _FILTER.fullmatch(text)
    if not m:
        raise ApiError("InvalidParameterException", f"Invalid search filter: {text}")
    attr, op, value = m.groups()
    if attr not in ("sub", "username"):
        raise ApiError("InvalidParameterException",
                       f"fake_cognito supports Filter on sub and username only, not {attr}")
    return attr, op, re.sub(r"\\(.)", r"\1", value)


def _limit(value, field: str, maximum: int = 60) -> int:
    if value is None or value == 0:  # Cognito treats an absent or zero limit as the max
        return maximum
    if not isinstance(value, int) or not 0 < value <= maximum:
        raise ApiError("InvalidParameterException",
                       f"1 validation error detected: Value '{value}' at '{field}' failed to "
                       f"satisfy constraint: Member must have value less than or equal to "
                       f"{maximum}")
    return value


def _token(scope: str, position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([scope, position]).encode()).decode()


def _untoken(token: str | None, scope: str) -> int:
    """Position a pagination token resumes at; tokens only work with the listing
    (filter, group) that issued them, as in Cognito."""
    if not token:
        return 0
    try:
        issued_for, position = json.loads(base64.urlsafe_b64decode(token))
    except (ValueError, TypeError):
        issued_for, position = None, -1
    if issued_for != scope or not isinstance(position, int) or position < 0:
        raise ApiError("InvalidParameterException", "Invalid pagination token.")
    return position


def _page(items: list, start: int, limit: int) -> tuple[list, int | None]:
    end = min(len(items), start + limit)
    return items[start:end], end if end < len(items) else None


def _with_token(result: dict, key: str, scope: str, position: int | None) -> dict:
    if position is not None:
        result[key] = _token(scope, position)
    return result


class Cognito:
    """Operation handlers, one `op_<Name>` method per X-Amz-Target operation. Calls are
    serialised by one lock: each takes microseconds and the simulated latency is
    slept outside it."""

    def __init__(self, bench_pool: SyntheticPool):
        self.pools: dict[str, Pool] = {bench_pool.id: bench_pool}
        # ListUsers and ListUsersInGroup tokens name the generation that issued them;
        # `expire_tokens()` starts a new one, and Cognito's answer to an expired token is what
        # the older ones then get.
        self.token_generation = 0
        self.domains: dict[str, Pool] = {bench_pool.domain["Domain"]: bench_pool}
        self._lock = threading.Lock()

    def call(self, op: str, body: dict) -> dict:
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {op}")
        with self._lock:
            return handler(body)

    def _pool(self, body: dict) -> Pool:
        pool = self.pools.get(body.get("UserPoolId"))
        if pool is None:
            raise ApiError("ResourceNotFoundException",
                           f"User pool {body.get('UserPoolId')} does not exist.")
        return pool

    def _group(self, body: dict) -> tuple[Pool, str]:
        pool, name = self._pool(body), body.get("GroupName")
        if name not in pool.groups:
            raise ApiError("ResourceNotFoundException", "Group not found.")
        return pool, name

    # -- reads (backup side)

    def expire_tokens(self) -> None:
        with self._lock:
            self.token_generation += 1

    def op_ListUsers(self, body):
        pool, text = self._pool(body), body.get("Filter") or ""
        match = _parse_filter(text) if text else None
        scope = f"{self.token_generation}:{text}"
        users, position = pool.list_users(match, _untoken(body.get("PaginationToken"), scope),
                                          _limit(body.get("Limit"), "limit"))
        wanted = body.get("AttributesToGet")
        if wanted is not None:
            users = [{**u, "Attributes": [a for a in u["Attributes"] if a["Name"] in wanted]}
                     for u in users]
        return _with_token({"Users": users}, "PaginationToken", scope, position)

    def op_ListUsersInGroup(self, body):
        pool, name = self._group(body)
        scope = f"{self.token_generation}:{name}"
        users, position = pool.group_members(name, _untoken(body.get("NextToken"), scope),
                                             _limit(body.get("Limit"), "limit"))
        return _with_token({"Users": users}, "NextToken", scope, position)

    def op_ListGroups(self, body):
        pool = self._pool(body)
        groups, position = _page(list(pool.groups.values()), _untoken(body.get("NextToken"), ""),
                                 _limit(body.get("Limit"), "limit"))
        return _with_token({"Groups": groups}, "NextToken", "", position)

    def op_DescribeUserPool(self, body):
        return {"UserPool": self._pool(body).describe()}

    def op_GetUserPoolMfaConfig(self, body):
        return dict(self._pool(body).mfa)

    def op_ListUserPoolClients(self, body):
        pool = self._pool(body)
        clients = [{"ClientId": c["ClientId"], "UserPoolId": pool.id,
                    "ClientName": c["ClientName"]} for c in pool.clients.values()]
        page, position = _page(clients, _untoken(body.get("NextToken"), ""),
                               _limit(body.get("MaxResults"), "maxResults"))
        return _with_token({"UserPoolClients": page}, "NextToken", "", position)

    def op_DescribeUserPoolClient(self, body):
        client = self._pool(body).clients.get(body.get("ClientId"))
        if client is None:
            raise ApiError("ResourceNotFoundException",
                           f"User pool client {body.get('ClientId')} does not exist.")
        return {"UserPoolClient": client}

    def op_ListIdentityProviders(self, body):
        providers = [{k: p[k] for k in ("ProviderName", "ProviderType", "LastModifiedDate",
                                        "CreationDate")}
                     for p in self._pool(body).providers.values()]
        page, position = _page(providers, _untoken(body.get("NextToken"), ""),
                               _limit(body.get("MaxResults"), "maxResults"))
        return _with_token({"Providers": page}, "NextToken", "", position)

    def op_DescribeIdentityProvider(self, body):
        provider = self._pool(body).providers.get(body.get("ProviderName"))
        if provider is None:
            raise ApiError("ResourceNotFoundException", "Identity provider does not exist.")
        return {"IdentityProvider": provider}

    def op_ListResourceServers(self, body):
        servers = list(self._pool(body).resource_servers.values())
        page, position = _page(servers, _untoken(body.get("NextToken"), ""),
                               _limit(body.get("MaxResults"), "maxResults", 50))
        return _with_token({"ResourceServers": page}, "NextToken", "", position)

    def op_DescribeUserPoolDomain(self, body):
        pool = self.domains.get(body.get("Domain"))  # Cognito answers {} for unknown ones
        return {"DomainDescription": pool.domain if pool else {}}

    def op_GetUICustomization(self, body):
        pool, client = self._pool(body), body.get("ClientId") or "ALL"
        return {"UICustomization": pool.ui.get(client, {"UserPoolId": pool.id,
                                                        "ClientId": client})}

    def op_DescribeRiskConfiguration(self, body):
        pool, client = self._pool(body), body.get("ClientId") or ""
        default = {"UserPoolId": pool.id, **({"ClientId": client} if client else {})}
        return {"RiskConfiguration": pool.risk.get(client, default)}

    def op_GetLogDeliveryConfiguration(self, body):
        pool = self._pool(body)
        return {"LogDeliveryConfiguration": {"UserPoolId": pool.id,
                                             "LogConfigurations": pool.log_configurations}}

    def op_DescribeManagedLoginBrandingByClient(self, body):
        self._pool(body)
        raise ApiError("ResourceNotFoundException",
                       "Managed login branding does not exist for this client.")

    def op_ListTerms(self, body):
        self._pool(body)
        return {"Terms": []}

    def op_AdminGetUser(self, body):
        user = self._pool(body).get_user(body.get("Username", ""))
        if user is None:
            raise ApiError("UserNotFoundException", "User does not exist.")
        return {"Username": user["Username"], "UserAttributes": user["Attributes"],
                **{k: user[k] for k in ("UserCreateDate", "UserLastModifiedDate", "Enabled",
                                        "UserStatus")}}

    # -- writes (restore side)

    def op_CreateUserPool(self, body):
        now = time.time()
        pool_id = f"{REGION}_" + _random_id(9, string.ascii_letters + string.digits)
        config = {k: v for k, v in body.items()
                  if k not in ("PoolName", "Schema", "MfaConfiguration")}
        pool = CreatedPool(pool_id, body.get("PoolName", ""), config, now)
        pool.add_schema(body.get("Schema", []))
        pool.mfa["MfaConfiguration"] = body.get("MfaConfiguration", "OFF")
        self.pools[pool_id] = pool
        return {"UserPool": pool.describe()}

    def op_UpdateUserPool(self, body):
        pool = self._pool(body)
        pool.config.update({k: v for k, v in body.items()
                            if k not in ("UserPoolId", "MfaConfiguration")})
        pool.mfa["MfaConfiguration"] = body.get("MfaConfiguration", pool.mfa["MfaConfiguration"])
        pool.modified = time.time()
        return {}

    def op_AddCustomAttributes(self, body):
        self._pool(body).add_schema(body.get("CustomAttributes", []))
        return {}

    def op_SetUserPoolMfaConfig(self, body):
        pool = self._pool(body)
        pool.mfa.update({k: v for k, v in body.items() if k != "UserPoolId"})
        return dict(pool.mfa)

    def op_CreateGroup(self, body):
        pool, name, now = self._pool(body), body.get("GroupName"), time.time()
        if name in pool.groups:
            raise ApiError("GroupExistsException", f"A group with the name {name} already exists.")
        pool.groups[name] = {**body, "CreationDate": now, "LastModifiedDate": now}
        return {"Group": pool.groups[name]}

    def op_CreateUserPoolClient(self, body):
        pool, now = self._pool(body), time.time()
        client = {k: v for k, v in body.items() if k != "GenerateSecret"}
        client.update(ClientId=_random_id(26), CreationDate=now, LastModifiedDate=now)
        if body.get("GenerateSecret"):
            client["ClientSecret"] = _random_id(51)
        pool.clients[client["ClientId"]] = client
        return {"UserPoolClient": client}

    def op_CreateResourceServer(self, body):
        pool, identifier = self._pool(body), body.get("Identifier")
        if identifier in pool.resource_servers:
            raise ApiError("InvalidParameterException",
                           f"{identifier} already exists in user pool {pool.id}.")
        pool.resource_servers[identifier] = dict(body)
        return {"ResourceServer": pool.resource_servers[identifier]}

    def op_CreateIdentityProvider(self, body):
        pool, name, now = self._pool(body), body.get("ProviderName"), time.time()
        if name in pool.providers:
            raise ApiError("DuplicateProviderException",
                           f"A provider with the name {name} already exists.")
        pool.providers[name] = {**body, "CreationDate": now, "LastModifiedDate": now}
        return {"IdentityProvider": pool.providers[name]}

    def op_CreateUserPoolDomain(self, body):
        pool, domain = self._pool(body), body.get("Domain")
        if domain in self.domains:
            raise ApiError("InvalidParameterException",
                           "Domain already associated with another user pool.")
        cloudfront = f"d{secrets.token_hex(6)}.cloudfront.net"
        pool.domain = {"UserPoolId": pool.id, "AWSAccountId": ACCOUNT, "Domain": domain,
                       "S3Bucket": "aws-cognito-prod-iad-assets",
                       "CloudFrontDistribution": cloudfront, "Version": "20231115000000",
                       "Status": "ACTIVE",
                       "ManagedLoginVersion": body.get("ManagedLoginVersion", 1)}
        self.domains[domain] = pool
        return {"CloudFrontDomain": cloudfront,
                "ManagedLoginVersion": pool.domain["ManagedLoginVersion"]}

    def op_SetUICustomization(self, body):
        pool, client, now = self._pool(body), body.get("ClientId") or "ALL", time.time()
        ui = {"UserPoolId": pool.id, "ClientId": client, "CSS": body.get("CSS", ""),
              "CSSVersion": str(int(now)), "CreationDate": now, "LastModifiedDate": now}
        if body.get("ImageFile"):
            # Loopback, where nothing answers: a backup of this pool never reaches out of the machine.
            ui["ImageUrl"] = f"https://127.0.0.1:1/{pool.id}/{client}/logo.png"
        pool.ui[client] = ui
        return {"UICustomization": ui}

    def op_SetRiskConfiguration(self, body):
        pool = self._pool(body)
        pool.risk[body.get("ClientId") or ""] = {**body, "LastModifiedDate": time.time()}
        return {"RiskConfiguration": pool.risk[body.get("ClientId") or ""]}

    def op_SetLogDeliveryConfiguration(self, body):
        pool = self._pool(body)
        pool.log_configurations = body.get("LogConfigurations", [])
        return {"LogDeliveryConfiguration": {"UserPoolId": pool.id,
                                             "LogConfigurations": pool.log_configurations}}

    def op_TagResource(self, body):
        pool = self._pool({"UserPoolId": body.get("ResourceArn", "").rpartition("/")[2]})
        pool.config.setdefault("UserPoolTags", {}).update(body.get("Tags", {}))
        return {}

    def op_AdminCreateUser(self, body):
        user = self._pool(body).create_user(body.get("Username", ""),
                                            body.get("UserAttributes", []), time.time())
        return {"User": user}

    def op_AdminDisableUser(self, body):
        self._pool(body).set_enabled(body.get("Username", ""), False, time.time())
        return {}

    def op_AdminEnableUser(self, body):
        self._pool(body).set_enabled(body.get("Username", ""), True, time.time())
        return {}

    def op_AdminAddUserToGroup(self, body):
        pool, name = self._group(body)
        pool.add_to_group(body.get("Username", ""), name)
        return {}


# ---------------------------------------------------------------- DynamoDB

_DDB = "com.amazonaws.dynamodb.v20120810#"
_HASH_CONDITION = re.compile(r"\s*(#?\w+)\s*=\s*(:\w+)\s*(?:(?i:and)\s+(.+?))?\s*")
_RANGE_CONDITIONS = (
    (re.compile(r"(?i:begins_with)\s*\(\s*(#?\w+)\s*,\s*(:\w+)\s*\)"),
     lambda v, a: isinstance(v, (str, bytes)) and v.startswith(a)),
    (re.compile(r"(#?\w+)\s+(?i:between)\s+(:\w+)\s+(?i:and)\s+(:\w+)"),
     lambda v, a, b: a <= v <= b),
    *((re.compile(rf"(#?\w+)\s*{re.escape(sym)}\s*(:\w+)"), fn)
      for sym, fn in (("<=", operator.le), (">=", operator.ge), ("<", operator.lt),
                      (">", operator.gt), ("=", operator.eq))),
)


# Longest first, so "<=" is not read as "<".
_COMPARISONS = (("<=", operator.le), (">=", operator.ge), ("<>", operator.ne), ("<", operator.lt),
                (">", operator.gt), ("=", operator.eq))


def _invalid(message: str) -> ApiError:
    return ApiError(_DDB + "ValidationException", message)


def _key_value(value) -> tuple | None:
    """A key attribute as a hashable, orderable (type, value); None if not a scalar."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return "S", raw
    if kind == "N":
        return "N", Decimal(raw)
    if kind == "B":
        return "B", base64.b64decode(raw)
    return None


# The key schema of cognito-backup's catalog table, the default for any table.
CATALOG_KEYS = ("user_pool_id", "backup_date")


class DynamoDB:
    """PutItem / GetItem / Query / Scan over in-memory tables. Tables need no CreateTable;
    their key schema comes from `keys` (table -> (hash, range or None)), else CATALOG_KEYS."""

    def __init__(self, keys: dict[str, tuple[str, str | None]]):
        self._keys = keys
        self._tables: dict[str, dict] = {}  # table -> hash key -> range key -> item
        self._lock = threading.Lock()

    def call(self, op: str, body: dict) -> dict:
        handler = {"PutItem": self._put, "GetItem": self._get, "Query": self._query,
                   "Scan": self._scan, "DeleteItem": self._delete}.get(op)
        if handler is None:
            raise ApiError("UnknownOperationException", f"Unknown operation {op}")
        with self._lock:
            return handler(body)

    def _locate(self, table: str, item: dict) -> tuple[dict, tuple | None]:
        """The item's partition (created on demand) and its range key."""
        hash_name, range_name = self._keys.get(table, CATALOG_KEYS)
        hash_key = _key_value(item.get(hash_name))
        range_key = _key_value(item.get(range_name)) if range_name else None
        if hash_key is None or (range_name and range_key is None):
            raise _invalid("One of the required keys was not given a value")
        return self._tables.setdefault(table, {}).setdefault(hash_key, {}), range_key

    def _put(self, body):
        item = body.get("Item", {})
        partition, range_key = self._locate(body.get("TableName", ""), item)
        old = partition.get(range_key)
        self._check(body, old)
        partition[range_key] = item
        return {"Attributes": old} if old and body.get("ReturnValues") == "ALL_OLD" else {}

    def _delete(self, body):
        partition, range_key = self._locate(body.get("TableName", ""), body.get("Key", {}))
        old = partition.get(range_key)
        self._check(body, old)
        partition.pop(range_key, None)
        return {"Attributes": old} if old and body.get("ReturnValues") == "ALL_OLD" else {}

    @staticmethod
    def _check(body: dict, old: dict | None) -> None:
        """ConditionExpression as the backup's lease and catalog writes use it: terms joined by
        OR, each `attribute_not_exists(name)` or `name <op> :value` on a scalar attribute."""
        condition = body.get("ConditionExpression")
        if not condition:
            return
        names, values = body.get("ExpressionAttributeNames", {}), body.get("ExpressionAttributeValues", {})
        def holds(term: str) -> bool:
            if m := re.fullmatch(r"\s*attribute_not_exists\s*\(\s*(#?\w+)\s*\)\s*", term):
                return old is None or names.get(m[1], m[1]) not in old
            for symbol, test in _COMPARISONS:
                if m := re.fullmatch(rf"\s*(#?\w+)\s*{re.escape(symbol)}\s*(:\w+)\s*", term):
                    have, want = _key_value((old or {}).get(names.get(m[1], m[1]))), _key_value(values.get(m[2]))
                    if want is None:
                        raise _invalid(f"fake_cognito: no value for {m[2]}")
                    return have is not None and have[0] == want[0] and test(have[1], want[1])
            raise _invalid(f"fake_cognito: unsupported ConditionExpression {condition}")
        if not any(holds(term) for term in re.split(r"\s+OR\s+", condition)):
            raise ApiError(_DDB + "ConditionalCheckFailedException", "The conditional request failed")

    def _get(self, body):
        partition, range_key = self._locate(body.get("TableName", ""), body.get("Key", {}))
        item = partition.get(range_key)
        return {"Item": item} if item is not None else {}

    def _query(self, body):
        table, names = body.get("TableName", ""), body.get("ExpressionAttributeNames", {})
        values = body.get("ExpressionAttributeValues", {})
        if body.get("FilterExpression"):
            raise _invalid("fake_cognito: FilterExpression unsupported")
        m = _HASH_CONDITION.fullmatch(body.get("KeyConditionExpression", ""))
        if not m:
            raise _invalid("fake_cognito: unsupported KeyConditionExpression")
        hash_name, range_name = self._keys.get(table, CATALOG_KEYS)
        if names.get(m[1], m[1]) != hash_name:
            raise _invalid("Query condition missed key schema element")
        partition = self._tables.get(table, {}).get(_key_value(values.get(m[2])), {})
        keys = sorted(partition, key=lambda k: k and k[1])  # hash-only tables key on None
        if m[3]:
            keys = self._range_filter(keys, m[3], names, values, range_name)
        if body.get("ScanIndexForward", True) is False:
            keys.reverse()
        return self._paged([partition[k] for k in keys], body, table)

    def _scan(self, body):
        table = body.get("TableName", "")
        if body.get("FilterExpression"):
            raise _invalid("fake_cognito: FilterExpression unsupported")
        partitions = self._tables.get(table, {})
        return self._paged([partitions[h][r] for h in sorted(partitions, key=lambda h: h[1])
                            for r in sorted(partitions[h], key=lambda r: r and r[1])],
                           body, table)

    def _paged(self, items: list[dict], body: dict, table: str) -> dict:
        """Applies ExclusiveStartKey and Limit to items in result order."""
        names = [n for n in self._keys.get(table, CATALOG_KEYS) if n]
        start = body.get("ExclusiveStartKey")
        if start:
            keys = [[item.get(n) for n in names] for item in items]
            after = [start.get(n) for n in names]
            items = items[keys.index(after) + 1:] if after in keys else []
        limit = body.get("Limit")
        items = items[:limit] if limit else items
        result = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
        if limit and len(items) == limit:  # DynamoDB returns a key whenever Limit is hit
            result["LastEvaluatedKey"] = {n: items[-1][n] for n in names}
        return result

    @staticmethod
    def _range_filter(keys, text, names, values, range_name):
        for pattern, test in _RANGE_CONDITIONS:
            m = pattern.fullmatch(text.strip())
            if m and names.get(m[1], m[1]) == range_name:
                bounds = [_key_value(values.get(ref)) for ref in m.groups()[1:]]
                if None in bounds:
                    break
                return [k for k in keys if all(b[0] == k[0] for b in bounds)
                        and test(k[1], *(b[1] for b in bounds))]
        raise _invalid(f"fake_cognito: unsupported key condition {text}")


# ---------------------------------------------------------------- S3 (metadata; bodies on disk)

class S3:
    """Object and multipart-upload bookkeeping. Bodies live as files under `root`, one
    per object version or part, so a 60 MB backup costs disk, not memory."""

    def __init__(self, root: str):
        self.root = root
        self._objects: dict[tuple[str, str], dict] = {}
        self._uploads: dict[str, dict] = {}
        self._lock = threading.Lock()

    def new_path(self) -> str:
        return os.path.join(self.root, uuid.uuid4().hex)

    def commit(self, bucket: str, key: str, path: str, size: int, etag: str,
               headers: dict) -> str:
        version = secrets.token_urlsafe(24)
        with self._lock:
            old = self._objects.get((bucket, key))
            self._objects[(bucket, key)] = {"path": path, "size": size, "etag": etag,
                                            "version": version, "headers": headers,
                                            "modified": time.time()}
        if old:
            os.unlink(old["path"])  # a reader holding it open keeps its inode
        return version

    def keys(self, bucket: str, prefix: str) -> list[tuple[str, int]]:
        with self._lock:
            return sorted((k, o["size"]) for (b, k), o in self._objects.items() if b == bucket and k.startswith(prefix))

    def open(self, bucket: str, key: str):
        with self._lock:
            meta = self._objects.get((bucket, key))
            if meta is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
            return meta, open(meta["path"], "rb")

    def create_upload(self, bucket: str, key: str, headers: dict) -> str:
        upload_id = secrets.token_urlsafe(48)
        with self._lock:
            self._uploads[upload_id] = {"bucket": bucket, "key": key, "headers": headers,
                                        "parts": {}}
        return upload_id

    def _upload(self, upload_id: str) -> dict:
        upload = self._uploads.get(upload_id)
        if upload is None:
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.")
        return upload

    def check_upload(self, upload_id: str) -> None:
        with self._lock:
            self._upload(upload_id)

    def add_part(self, upload_id: str, number: int, path: str, size: int, md5: str) -> None:
        with self._lock:
            try:
                parts = self._upload(upload_id)["parts"]
            except S3Error:
                os.unlink(path)  # aborted while the part was streaming in
                raise
            old = parts.get(number)
            parts[number] = (path, size, md5)
        if old:
            os.unlink(old[0])

    def plan_complete(self, upload_id: str, requested: list[tuple[int, str]]) -> dict:
        """Validates the part list as S3 does and returns what to concatenate."""
        with self._lock:
            upload = self._upload(upload_id)
            parts = upload["parts"]
            numbers = [n for n, _ in requested]
            if numbers != sorted(set(numbers)):
                raise S3Error(400, "InvalidPartOrder",
                              "The list of parts was not in ascending order.")
            for n, etag in requested:
                if n not in parts or parts[n][2] != etag.strip('"'):
                    raise S3Error(400, "InvalidPart",
                                  f"Part {n} was not found or its ETag differs.")
            if any(parts[n][1] < MIN_PART_SIZE for n in numbers[:-1]):
                raise S3Error(400, "EntityTooSmall",
                              "Your proposed upload is smaller than the minimum allowed size")
            return {**upload, "chosen": [parts[n] for n in numbers]}

    def finish_upload(self, upload_id: str) -> None:
        with self._lock:
            upload = self._uploads.pop(upload_id, None)
        for path, _, _ in (upload or {"parts": {}})["parts"].values():
            os.unlink(path)

    def abort(self, upload_id: str) -> None:
        self.check_upload(upload_id)
        self.finish_upload(upload_id)

    def open_uploads(self, bucket: str, prefix: str) -> list[tuple[str, str]]:
        with self._lock:
            return [(u, up["key"]) for u, up in self._uploads.items() if up["bucket"] == bucket and up["key"].startswith(prefix)]

    def delete(self, bucket: str, key: str) -> None:
        with self._lock:
            old = self._objects.pop((bucket, key), None)
        if old:
            os.unlink(old["path"])

    def usage(self) -> dict:
        with self._lock:
            return {"objects": len(self._objects),
                    "bytes": sum(o["size"] for o in self._objects.values()),
                    "open_uploads": len(self._uploads)}


def _s3_operation(method: str, key: str, query: dict) -> str | None:
    if not key:  # bucket-level calls; buckets always exist
        if method == "GET" and "uploads" in query:
            return "ListMultipartUploads"
        return {"HEAD": "HeadBucket", "GET": "ListObjectsV2" if query.get("list-type") == "2" else None}.get(method)
    if method == "POST":
        return ("CreateMultipartUpload" if "uploads" in query
                else "CompleteMultipartUpload" if "uploadId" in query else None)
    if method == "PUT":
        return "UploadPart" if "uploadId" in query else "PutObject"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    return {"GET": "GetObject", "HEAD": "HeadObject"}.get(method)


# ---------------------------------------------------------------- HTTP

class _Handler(BaseHTTPRequestHandler):
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

    do_PUT = do_DELETE = do_HEAD = lambda self: self._s3()

    # -- JSON protocols

    def _rpc(self, target: str) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        service, _, op = target.rpartition(".")
        backend, content_type, prefix = {
            COGNITO_TARGET: (fake.cognito, "application/x-amz-json-1.1", "cognito-idp:"),
            DYNAMODB_TARGET: (fake.dynamodb, "application/x-amz-json-1.0", "dynamodb:"),
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

    # -- S3

    def _s3(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        bucket, _, key = url.path.lstrip("/").partition("/")
        bucket, key = unquote(bucket), unquote(key)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        op = _s3_operation(self.command, key, query)
        fake.statistics.record("s3:" + (op or f"{self.command}-unsupported"))
        try:
            if op is None:
                raise S3Error(501, "NotImplemented", "fake_cognito does not serve this S3 call")
            fake.sleep_latency()
            if op == "UploadPart":
                time.sleep(fake.part_delay_s)  # a slow S3: a SlowDown storm, a far region
            getattr(self, "_s3_" + op)(fake.s3, bucket, key, query)
        except S3Error as error:
            self.close_connection = True  # the request body may be unread
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{error.code}</Code>'
                    f"<Message>{escape(error.message)}</Message><Key>{escape(key)}</Key>"
                    f"<RequestId>{uuid.uuid4().hex}</RequestId></Error>").encode()
            self._respond(error.status, body, {"Content-Type": "application/xml",
                                               "x-amz-request-id": uuid.uuid4().hex})

    def _xml(self, body: str, headers: dict | None = None) -> None:
        self._respond(200, ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode(),
                      {"Content-Type": "application/xml",
                       "x-amz-request-id": uuid.uuid4().hex, **(headers or {})})

    def _object_headers(self) -> dict:
        """What S3 keeps from a write and replays on reads."""
        kept = {k: v for k, v in self.headers.items() if k.lower().startswith("x-amz-meta-")}
        kept["Content-Type"] = self.headers.get("Content-Type", "binary/octet-stream")
        return kept

    def _copy_in(self, count: int, out, digest) -> None:
        while count > 0:  # bounded: every pass consumes at least one byte or raises
            data = self.rfile.read(min(count, COPY_CHUNK))
            if not data:
                raise S3Error(400, "IncompleteBody", "The request body ended early.")
            out.write(data)
            digest.update(data)
            count -= len(data)

    def _receive(self, path: str) -> tuple[int, str]:
        """Streams the request body to path; returns (size, md5 hex). Decodes the
        aws-chunked framing SDKs use for streaming uploads (signatures and trailing
        checksums are skipped, not verified)."""
        length = self.headers.get("Content-Length")
        if length is None:  # S3 refuses bodies without a length (no HTTP chunking)
            raise S3Error(411, "MissingContentLength",
                          "You must provide the Content-Length HTTP header.")
        remaining, digest, size = int(length), hashlib.md5(), 0
        aws_chunked = ("aws-chunked" in self.headers.get("Content-Encoding", "")
                       or self.headers.get("x-amz-content-sha256", "").startswith("STREAMING-"))
        with open(path, "wb") as out:
            if not aws_chunked:
                self._copy_in(remaining, out, digest)
                return remaining, digest.hexdigest()
            while remaining > 0:  # bounded by Content-Length
                line = self.rfile.readline(4096)
                try:
                    chunk = int(line.split(b";")[0], 16)
                except ValueError:
                    raise S3Error(400, "IncompleteBody", "Malformed aws-chunked body.") from None
                remaining -= len(line)
                if chunk == 0:
                    break
                self._copy_in(chunk, out, digest)
                remaining -= chunk + len(self.rfile.read(2))
                size += chunk
            self.rfile.read(max(remaining, 0))  # trailer lines and the closing CRLF
        return size, digest.hexdigest()

    def _refuse_an_existing_key(self, s3: S3, bucket, key) -> None:
        """`If-None-Match: *`: S3 writes only if no object is under the key."""
        if self.headers.get("If-None-Match") == "*" and any(k == key for k, _ in s3.keys(bucket, key)):
            raise S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")

    def _s3_PutObject(self, s3: S3, bucket, key, query):
        self._refuse_an_existing_key(s3, bucket, key)
        path = s3.new_path()
        size, md5 = self._receive(path)
        version = s3.commit(bucket, key, path, size, f'"{md5}"', self._object_headers())
        self._respond(200, b"", {"ETag": f'"{md5}"', "x-amz-version-id": version,
                                 "x-amz-request-id": uuid.uuid4().hex})

    def _s3_CreateMultipartUpload(self, s3: S3, bucket, key, query):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upload_id = s3.create_upload(bucket, key, self._object_headers())
        self._xml(f"<InitiateMultipartUploadResult><Bucket>{escape(bucket)}</Bucket>"
                  f"<Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId>"
                  "</InitiateMultipartUploadResult>")

    def _s3_UploadPart(self, s3: S3, bucket, key, query):
        number = query.get("partNumber", "")
        if not number.isdigit() or not 1 <= int(number) <= 10000:
            raise S3Error(400, "InvalidArgument",
                          "Part number must be an integer between 1 and 10000.")
        s3.check_upload(query["uploadId"])
        path = s3.new_path()
        size, md5 = self._receive(path)
        s3.add_part(query["uploadId"], int(number), path, size, md5)
        self._respond(200, b"", {"ETag": f'"{md5}"', "x-amz-request-id": uuid.uuid4().hex})

    def _s3_CompleteMultipartUpload(self, s3: S3, bucket, key, query):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            requested = [(int(part.findtext("{*}PartNumber")), part.findtext("{*}ETag") or "")
                         for part in ET.fromstring(raw).iter() if part.tag.endswith("Part")]
        except (ET.ParseError, TypeError, ValueError):
            requested = []
        if not requested:
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed.")
        self._refuse_an_existing_key(s3, bucket, key)
        plan = s3.plan_complete(query["uploadId"], requested)
        path, digest, size = s3.new_path(), hashlib.md5(), 0
        with open(path, "wb") as out:
            for part_path, part_size, part_md5 in plan["chosen"]:
                with open(part_path, "rb") as part:
                    shutil.copyfileobj(part, out, COPY_CHUNK)
                digest.update(bytes.fromhex(part_md5))
                size += part_size
        etag = f'"{digest.hexdigest()}-{len(plan["chosen"])}"'
        version = s3.commit(bucket, key, path, size, etag, plan["headers"])
        s3.finish_upload(query["uploadId"])
        self._xml(f"<CompleteMultipartUploadResult><Location>http://{self.headers.get('Host')}/"
                  f"{escape(bucket)}/{escape(key)}</Location><Bucket>{escape(bucket)}</Bucket>"
                  f"<Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag>"
                  "</CompleteMultipartUploadResult>", {"x-amz-version-id": version})

    def _s3_AbortMultipartUpload(self, s3: S3, bucket, key, query):
        s3.abort(query["uploadId"])
        self._respond(204, b"", {"x-amz-request-id": uuid.uuid4().hex})

    def _s3_GetObject(self, s3: S3, bucket, key, query):
        meta, body = s3.open(bucket, key)
        with body:
            first, last, status = 0, meta["size"] - 1, 200
            headers = {**meta["headers"], "ETag": meta["etag"], "Accept-Ranges": "bytes",
                       "x-amz-version-id": meta["version"], "x-amz-request-id": uuid.uuid4().hex,
                       "Last-Modified": formatdate(meta["modified"], usegmt=True)}
            wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
            if wanted and (wanted[1] or wanted[2]) and self.command == "GET":
                if wanted[1]:
                    first, last = int(wanted[1]), min(int(wanted[2] or last), last)
                else:  # suffix range: the last N bytes
                    first = max(meta["size"] - int(wanted[2]), 0)
                if first > last:
                    raise S3Error(416, "InvalidRange", "The requested range is not satisfiable")
                status = 206
                headers["Content-Range"] = f"bytes {first}-{last}/{meta['size']}"
            self._respond(status, b"", headers, length=last - first + 1)
            if self.command == "GET":
                body.seek(first)
                remaining = last - first + 1
                while remaining > 0:  # bounded by the object's size
                    data = body.read(min(remaining, COPY_CHUNK))
                    if not data:
                        break
                    self.wfile.write(data)
                    remaining -= len(data)

    _s3_HeadObject = _s3_GetObject  # the shared path skips the body for HEAD

    def _s3_ListObjectsV2(self, s3: S3, bucket, key, query):
        """One page, without continuation: enough for the tool's bucket check and small listings."""
        limit = int(query.get("max-keys", "1000"))
        found = s3.keys(bucket, query.get("prefix", ""))
        contents = "".join(f"<Contents><Key>{escape(k)}</Key><Size>{size}</Size></Contents>" for k, size in found[:limit])
        self._xml(f"<ListBucketResult><Name>{escape(bucket)}</Name><KeyCount>{min(len(found), limit)}</KeyCount>"
                  f"<MaxKeys>{limit}</MaxKeys><IsTruncated>{'true' if len(found) > limit else 'false'}</IsTruncated>"
                  f"{contents}</ListBucketResult>")

    def _s3_ListMultipartUploads(self, s3: S3, bucket, key, query):
        uploads = "".join(f"<Upload><Key>{escape(k)}</Key><UploadId>{escape(u)}</UploadId></Upload>"
                          for u, k in s3.open_uploads(bucket, query.get("prefix", "")))
        self._xml(f"<ListMultipartUploadsResult><Bucket>{escape(bucket)}</Bucket>{uploads}</ListMultipartUploadsResult>")

    def _s3_DeleteObject(self, s3: S3, bucket, key, query):
        s3.delete(bucket, key)
        self._respond(204, b"", {"x-amz-request-id": uuid.uuid4().hex})

    def _s3_HeadBucket(self, s3: S3, bucket, key, query):
        self._respond(200, b"", {"x-amz-bucket-region": REGION,
                                 "x-amz-request-id": uuid.uuid4().hex})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 16+ clients connecting at once must not see refusals
    fake: "FakeAWS"


class FakeAWS:
    """A running fake: `url`, `stats()`, `stop()`."""

    def __init__(self, *, users=1000, groups=10, members_per_group=100, latency_ms=30.0,
                 seed=1, port=0, quotas=None, ddb_keys=None, part_delay_s=0.0):
        self.latency_s = latency_ms / 1000.0
        self.part_delay_s = part_delay_s
        self._jitter = random.Random(seed)
        self.quotas = Quotas({**QUOTAS, **(quotas or {})})
        self.statistics = Stats()
        self.cognito = Cognito(SyntheticPool(users, groups, members_per_group, seed))
        self.dynamodb = DynamoDB(dict(ddb_keys or {}))
        self._root = tempfile.mkdtemp(prefix="fake_cognito_s3_")
        self.s3 = S3(self._root)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval keeps stop() quick; the idle wake-ups cost nothing measurable.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-cognito", daemon=True)
        self._thread.start()

    def sleep_latency(self) -> None:
        if self.latency_s > 0:
            time.sleep(self.latency_s * self._jitter.uniform(0.7, 1.3))

    def stats(self) -> dict:
        return {**self.statistics.snapshot(), "s3": self.s3.usage()}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self._root, ignore_errors=True)


def start(**options) -> FakeAWS:
    """Starts a fake on 127.0.0.1 in background threads. Options: users, groups,
    members_per_group, latency_ms, seed, port, quotas ({category: rps} overrides),
    ddb_keys ({table: (hash, range or None)}), part_delay_s (added to every UploadPart)."""
    return FakeAWS(**options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--members-per-group", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=30.0, help="±30%% jitter")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    for flag, category in (("list", "UserList"), ("create", "UserCreation"),
                           ("update", "UserUpdate"), ("read", "UserRead")):
        parser.add_argument(f"--{flag}-tps", type=float, dest=category,
                            help=f"{category} quota (default {QUOTAS[category]})")
    parser.add_argument("--ddb-key", action="append", default=[], metavar="TABLE=HASH[,RANGE]",
                        help="DynamoDB key schema of a table (default %s)" % ",".join(CATALOG_KEYS))
    parser.add_argument("--part-delay-s", type=float, default=0.0,
                        help="seconds added to every UploadPart: a slow S3")
    parser.add_argument("--max-runtime-s", type=float, default=4 * 3600,
                        help="exit after this long even without a signal")
    args = parser.parse_args(argv)
    ddb_keys = {}
    for spec in args.ddb_key:
        table, _, key_names = spec.partition("=")
        hash_name, _, range_name = key_names.partition(",")
        ddb_keys[table] = (hash_name, range_name or None)
    # Block the signals before any thread starts so all inherit the mask and only
    # sigtimedwait below receives them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    fake = start(users=args.users, groups=args.groups, members_per_group=args.members_per_group,
                 latency_ms=args.latency_ms, seed=args.seed, port=args.port, ddb_keys=ddb_keys,
                 part_delay_s=args.part_delay_s,
                 quotas={c: getattr(args, c) for c in QUOTAS if getattr(args, c, None)})
    print(f"FAKE_URL={fake.url}", flush=True)
    try:
        signal.sigtimedwait({signal.SIGINT, signal.SIGTERM}, args.max_runtime_s)
    finally:
        print(json.dumps(fake.stats()), file=sys.stderr, flush=True)
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

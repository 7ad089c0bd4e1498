"""Cognito's request-rate quotas and the token buckets that enforce them."""
from __future__ import annotations

import threading
import time

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
                             "DescribeManagedLoginBrandingByClient", "ListTerms",  # last two (?)
                             "GetCSVHeader", "DescribeUserImportJob", "ListUserImportJobs"),
    "UserPoolResourceUpdate": ("CreateGroup", "CreateIdentityProvider", "CreateResourceServer",
                               "CreateUserPoolDomain", "SetUICustomization",
                               "SetRiskConfiguration", "TagResource",  # TagResource (?)
                               "CreateUserImportJob", "StartUserImportJob", "StopUserImportJob"),
    "UserPoolClientRead": ("ListUserPoolClients", "DescribeUserPoolClient"),
    "UserPoolClientUpdate": ("CreateUserPoolClient",),
}
CATEGORY = {op: category for category, ops in CATEGORY_OPS.items() for op in ops}


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

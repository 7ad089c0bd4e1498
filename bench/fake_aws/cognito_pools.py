"""Cognito user pools: the synthetic pool under backup (users computed on demand) and the
pools CreateUserPool makes (restore targets), with their users, groups and settings."""
from __future__ import annotations

import bisect
import json
import random
import secrets
import string
import uuid

from .account import ACCOUNT, REGION
from .errors import ApiError

BENCH_POOL_ID = "us-east-1_BENCH0001"
EPOCH = 1_700_000_000.0  # synthetic users are created one minute apart from here

STANDARD_ATTRIBUTES = (
    "sub", "name", "given_name", "family_name", "middle_name", "nickname",
    "preferred_username", "profile", "picture", "website", "email", "email_verified",
    "gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified",
    "address", "updated_at", "identities")


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


def random_id(length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
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

    def _read_only(self, *_args, **_options):
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

    def __init__(self, attributes: str, now: float, status: str):
        self.sub, self.attributes = str(uuid.uuid4()), attributes
        self.enabled, self.created, self.modified = True, now, now
        self.status = status


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

    def create_user(self, username: str, attributes: list[dict], now: float,
                    status: str = "FORCE_CHANGE_PASSWORD") -> dict:
        """AdminCreateUser leaves a user FORCE_CHANGE_PASSWORD; an import job, RESET_REQUIRED."""
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
        self._users[username] = _StoredUser(json.dumps(attributes, separators=(",", ":")), now, status)
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

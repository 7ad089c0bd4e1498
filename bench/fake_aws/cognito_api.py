"""Cognito's user-pool API (JSON 1.1): one `op_<Name>` handler per X-Amz-Target operation,
with Cognito's filters, limits and pagination tokens."""
from __future__ import annotations

import re
import secrets
import string
import threading
import time

from . import tokens
from .account import ACCOUNT, REGION
from .cognito_pools import CreatedPool, Pool, SyntheticPool, random_id
from .errors import ApiError
from .import_jobs import ImportJobOps, ImportModel, Job
from .logs import Logs

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


def _untoken(token: str | None, scope: str) -> int:
    """Tokens only work with the listing (filter, group) that issued them, as in Cognito."""
    return tokens.position(token, scope, "Invalid pagination token.")


def _page(items: list, start: int, limit: int) -> tuple[list, int | None]:
    end = min(len(items), start + limit)
    return items[start:end], end if end < len(items) else None



def _with_token(result: dict, key: str, scope: str, position: int | None) -> dict:
    if position is not None:
        result[key] = tokens.token(scope, position)
    return result


class Cognito(ImportJobOps):
    """Operation handlers, one `op_<Name>` method per X-Amz-Target operation (the user import
    jobs' in import_jobs.py). Calls are serialised by one lock: each takes microseconds and the
    simulated latency is slept outside it."""

    def __init__(self, bench_pool: SyntheticPool, logs: Logs | None = None, import_model: ImportModel | None = None):
        self.pools: dict[str, Pool] = {bench_pool.id: bench_pool}
        self.logs = logs or Logs()
        self.import_model = import_model or ImportModel()
        self.import_jobs: dict[str, Job] = {}
        self.upload_base = ""  # the server's URL, which the jobs' pre-signed URLs point at
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
        pool_id = f"{REGION}_" + random_id(9, string.ascii_letters + string.digits)
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
        client.update(ClientId=random_id(26), CreationDate=now, LastModifiedDate=now)
        if body.get("GenerateSecret"):
            client["ClientSecret"] = random_id(51)
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

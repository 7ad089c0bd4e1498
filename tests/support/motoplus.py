"""A moto server that also answers the Cognito operations moto 5.2.1 lacks.

The extra operations are installed as methods of moto's own
``CognitoIdpResponse``, so every request to them still goes through moto's
SigV4 check, IAM enforcement and botocore-model serializer exactly like the
built-in operations do: error and response shapes are real Cognito's.

Their state lives in ``_store`` and is dropped together with the cognito-idp
backend it belongs to when moto resets (``POST /moto-api/reset``).

Run as a script, it starts a server, prints ``MOTO_URL=http://127.0.0.1:PORT``
once it is ready and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import inspect
import signal
import threading
import urllib.request
import uuid
from urllib.parse import urlparse, urlunparse
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    ResourceNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.core.utils import utcnow
from moto.s3.exceptions import LockNotEnabled, S3ClientError
from moto.iam.access_control import IAMRequest
from moto.s3 import responses as s3_responses
from moto.s3.models import FakeKey, S3Backend, s3_backends
from moto.s3.responses import S3Response
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

try:
    from . import import_jobs
    from .faults import FaultInjector, FaultPlan
except ImportError:  # run as a script: python3 tests/support/motoplus.py
    import import_jobs
    from faults import FaultInjector, FaultPlan

# Real UI customization image URLs point at the pool's CloudFront distribution.
# Here they point at a loopback port nothing listens on, so a test never reaches
# out to the internet; a test that serves the images names its own server with
# ``set_image_host``.
_DEFAULT_IMAGE_HOST = "127.0.0.1:1"
_image_host = _DEFAULT_IMAGE_HOST
_images: dict[str, bytes] = {}
"""ImageFile bytes by URL path, as the image host serves them."""


def set_image_host(host: str | None) -> None:
    """Where the ImageUrl of UI customizations set from now on points; None restores the default."""
    global _image_host
    _image_host = host or _DEFAULT_IMAGE_HOST


def image(path: str) -> bytes | None:
    """The logo a SetUICustomization call uploaded, by the path of its ImageUrl."""
    return _images.get(path)

_RISK_PARTS = (
    "CompromisedCredentialsRiskConfiguration",
    "AccountTakeoverRiskConfiguration",
    "RiskExceptionConfiguration",
)


@dataclass
class _PoolExtras:
    """What one user pool holds beyond moto's own model."""

    ui_customizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By client id, "ALL" for the pool-wide one."""
    risk_configurations: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    """By client id, None for the pool-wide one."""
    log_configurations: list[dict[str, Any]] = field(default_factory=list)
    brandings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By branding id."""
    branding_by_client: dict[str, str] = field(default_factory=dict)
    """Client id to branding id: ManagedLoginBrandingType has no ClientId."""
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By terms id, in creation order (ListTerms pages through it)."""
    provider_links: list[dict[str, Any]] = field(default_factory=list)


# (account id, region, user pool id) -> extras
_store: dict[tuple[str, str, str], _PoolExtras] = {}


def provider_links(
    user_pool_id: str, region: str = "us-east-1", account_id: str = DEFAULT_ACCOUNT_ID
) -> list[dict[str, Any]]:
    """AdminLinkProviderForUser requests recorded for a pool of an in-process server.

    Cognito itself shows links only inside the user's ``identities``
    attribute, which this server leaves alone.
    """
    extras = _store.get((account_id, region, user_pool_id))
    return list(extras.provider_links) if extras else []


class _CognitoExtras(CognitoIdpResponse):
    """Methods copied onto CognitoIdpResponse; moto dispatches X-Amz-Target
    ``SetUICustomization`` to ``set_ui_customization`` and so on."""

    def _extras(self, user_pool_id: str, client_id: str | None = None) -> _PoolExtras:
        # moto's own lookups raise Cognito's ResourceNotFoundException.
        self.backend.describe_user_pool(user_pool_id)
        if client_id is not None:
            self.backend.describe_user_pool_client(user_pool_id, client_id)
        return _store.setdefault(
            (self.current_account, self.region, user_pool_id), _PoolExtras()
        )

    def _pool_by_arn(self, arn: str) -> Any:
        for pool in self.backend.user_pools.values():
            if pool.arn == arn:
                return pool
        raise ResourceNotFoundError(f"Resource {arn} does not exist.")

    # UI customization (classic hosted UI)
    def set_ui_customization(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        key = self._get_param("ClientId") or "ALL"
        extras = self._extras(pool_id, None if key == "ALL" else key)
        # Real Cognito refuses this until the pool has a domain to host the UI.
        if not any(
            d.user_pool_id == pool_id for d in self.backend.user_pool_domains.values()
        ):
            raise InvalidParameterException(
                "There has to be an existing domain associated with this user pool"
            )
        now = utcnow()
        version = now.strftime("%Y%m%d%H%M%S%f")
        customization = {
            "UserPoolId": pool_id,
            "ClientId": key,
            "CSS": self._get_param("CSS"),
            "CSSVersion": version,
            "CreationDate": extras.ui_customizations.get(key, {}).get(
                "CreationDate", now
            ),
            "LastModifiedDate": now,
        }
        if self._get_param("ImageFile"):
            path = f"/{pool_id}/{key}/{version}/assets/images/image.jpg"
            _images[path] = base64.b64decode(self._get_param("ImageFile"))
            customization["ImageUrl"] = f"https://{_image_host}{path}"
        extras.ui_customizations[key] = customization
        return ActionResult({"UICustomization": customization})

    def get_ui_customization(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        key = self._get_param("ClientId") or "ALL"
        stored = self._extras(pool_id, None if key == "ALL" else key).ui_customizations
        # A client without its own customization gets the pool-wide one.
        customization = (
            stored.get(key)
            or stored.get("ALL")
            or {"UserPoolId": pool_id, "ClientId": key}
        )
        return ActionResult({"UICustomization": customization})

    # Threat protection
    def set_risk_configuration(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        client_id = self._get_param("ClientId")
        stored = self._extras(pool_id, client_id).risk_configurations
        parts = {p: self._get_param(p) for p in _RISK_PARTS}
        configuration = {"UserPoolId": pool_id, "ClientId": client_id}
        if any(parts.values()):
            configuration.update(parts, LastModifiedDate=utcnow())
            stored[client_id] = configuration
        else:  # Cognito's documented way to delete a risk configuration
            stored.pop(client_id, None)
        return ActionResult({"RiskConfiguration": configuration})

    def describe_risk_configuration(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        client_id = self._get_param("ClientId")
        stored = self._extras(pool_id, client_id).risk_configurations
        return ActionResult(
            {"RiskConfiguration": stored.get(client_id, {"UserPoolId": pool_id})}
        )

    # Log delivery
    def set_log_delivery_configuration(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        extras = self._extras(pool_id)
        extras.log_configurations = self._get_param("LogConfigurations")
        return self.get_log_delivery_configuration()

    def get_log_delivery_configuration(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        configurations = self._extras(pool_id).log_configurations
        return ActionResult(
            {
                "LogDeliveryConfiguration": {
                    "UserPoolId": pool_id,
                    "LogConfigurations": configurations,
                }
            }
        )

    # Managed login branding
    def create_managed_login_branding(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        client_id = self._get_param("ClientId")
        extras = self._extras(pool_id, client_id)
        if client_id in extras.branding_by_client:
            raise JsonRESTError(
                "ManagedLoginBrandingExistsException",
                "A managed login branding already exists for this app client.",
            )
        assets = self._get_param("Assets") or []
        for asset in assets:
            # Blobs arrive base64-encoded; the serializer encodes them again.
            if "Bytes" in asset:
                asset["Bytes"] = base64.b64decode(asset["Bytes"])
        now = utcnow()
        branding = {
            "ManagedLoginBrandingId": str(uuid.uuid4()),
            "UserPoolId": pool_id,
            "UseCognitoProvidedValues": bool(
                self._get_param("UseCognitoProvidedValues")
            ),
            "Settings": self._get_param("Settings"),
            "Assets": assets,
            "CreationDate": now,
            "LastModifiedDate": now,
        }
        extras.brandings[branding["ManagedLoginBrandingId"]] = branding
        extras.branding_by_client[client_id] = branding["ManagedLoginBrandingId"]
        return ActionResult({"ManagedLoginBranding": branding})

    def describe_managed_login_branding_by_client(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        client_id = self._get_param("ClientId")
        extras = self._extras(pool_id, client_id)
        if client_id not in extras.branding_by_client:
            raise ResourceNotFoundError(
                f"No managed login branding for app client {client_id}."
            )
        branding_id = extras.branding_by_client[client_id]
        return ActionResult({"ManagedLoginBranding": extras.brandings[branding_id]})

    def _branding_id(self, extras: _PoolExtras) -> str:
        branding_id = self._get_param("ManagedLoginBrandingId")
        if branding_id not in extras.brandings:
            raise ResourceNotFoundError(
                f"Managed login branding {branding_id} does not exist."
            )
        return branding_id

    def update_managed_login_branding(self) -> ActionResult:
        """Settings and Assets replace the style's when given; UseCognitoProvidedValues
        resets it to Cognito's own and is refused beside either."""
        extras = self._extras(self._get_param("UserPoolId"))
        branding = extras.brandings[self._branding_id(extras)]
        settings, assets = self._get_param("Settings"), self._get_param("Assets")
        if self._get_param("UseCognitoProvidedValues"):
            if settings is not None or assets is not None:
                raise InvalidParameterException(
                    "Settings and Assets cannot be given with UseCognitoProvidedValues."
                )
            branding.update(UseCognitoProvidedValues=True, Settings=None, Assets=[])
        else:
            if settings is not None:
                branding.update(Settings=settings, UseCognitoProvidedValues=False)
            if assets is not None:
                for asset in assets:
                    if "Bytes" in asset:
                        asset["Bytes"] = base64.b64decode(asset["Bytes"])
                branding.update(Assets=assets, UseCognitoProvidedValues=False)
        branding["LastModifiedDate"] = utcnow()
        return ActionResult({"ManagedLoginBranding": branding})

    def describe_managed_login_branding(self) -> ActionResult:
        extras = self._extras(self._get_param("UserPoolId"))
        branding = extras.brandings[self._branding_id(extras)]
        return ActionResult({"ManagedLoginBranding": branding})

    def delete_managed_login_branding(self) -> ActionResult:
        extras = self._extras(self._get_param("UserPoolId"))
        branding_id = self._branding_id(extras)
        del extras.brandings[branding_id]
        extras.branding_by_client = {
            c: b for c, b in extras.branding_by_client.items() if b != branding_id
        }
        return EmptyResult()

    # Terms documents
    def create_terms(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        client_id = self._get_param("ClientId")
        name = self._get_param("TermsName")
        extras = self._extras(pool_id, client_id)
        if any(
            t["ClientId"] == client_id and t["TermsName"] == name
            for t in extras.terms.values()
        ):
            raise JsonRESTError("TermsExistsException", f"Terms {name} already exist.")
        now = utcnow()
        terms = {
            "TermsId": str(uuid.uuid4()),
            "UserPoolId": pool_id,
            "ClientId": client_id,
            "TermsName": name,
            "TermsSource": self._get_param("TermsSource"),
            "Enforcement": self._get_param("Enforcement"),
            "Links": self._get_param("Links") or {},
            "CreationDate": now,
            "LastModifiedDate": now,
        }
        extras.terms[terms["TermsId"]] = terms
        return ActionResult({"Terms": terms})

    def update_terms(self) -> ActionResult:
        """Each member given replaces the document's; a name another document of the
        client has is refused, as CreateTerms refuses it."""
        extras = self._extras(self._get_param("UserPoolId"))
        terms_id = self._get_param("TermsId")
        if terms_id not in extras.terms:
            raise ResourceNotFoundError(f"Terms {terms_id} do not exist.")
        terms = extras.terms[terms_id]
        name = self._get_param("TermsName")
        if name is not None and any(
            other is not terms and other["ClientId"] == terms["ClientId"] and other["TermsName"] == name
            for other in extras.terms.values()
        ):
            raise JsonRESTError("TermsExistsException", f"Terms {name} already exist.")
        for member in ("TermsName", "TermsSource", "Enforcement", "Links"):
            if self._get_param(member) is not None:
                terms[member] = self._get_param(member)
        terms["LastModifiedDate"] = utcnow()
        return ActionResult({"Terms": terms})

    def list_terms(self) -> ActionResult:
        extras = self._extras(self._get_param("UserPoolId"))
        ids = list(extras.terms)
        token = self._get_param("NextToken")
        if token is not None and token not in ids:
            raise InvalidParameterException("Invalid NextToken.")
        start = ids.index(token) if token else 0
        end = start + (self._get_param("MaxResults") or 60)
        # Serialized as TermsDescriptionType, which keeps only the summary fields.
        result: dict[str, Any] = {"Terms": [extras.terms[i] for i in ids[start:end]]}
        if end < len(ids):
            result["NextToken"] = ids[end]
        return ActionResult(result)

    def describe_terms(self) -> ActionResult:
        extras = self._extras(self._get_param("UserPoolId"))
        terms_id = self._get_param("TermsId")
        if terms_id not in extras.terms:
            raise ResourceNotFoundError(f"Terms {terms_id} do not exist.")
        return ActionResult({"Terms": extras.terms[terms_id]})

    # Federation links
    def admin_link_provider_for_user(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        destination = self._get_param("DestinationUser")
        source = self._get_param("SourceUser")
        extras = self._extras(pool_id)
        # Both ends must exist, as in Cognito: UserNotFoundException and
        # ResourceNotFoundException come from moto's own lookups.
        self.backend.admin_get_user(pool_id, destination["ProviderAttributeValue"])
        self.backend.describe_identity_provider(pool_id, source["ProviderName"])
        extras.provider_links.append(
            {"DestinationUser": destination, "SourceUser": source}
        )
        return EmptyResult()

    # Tags: kept in moto's UserPoolTags so DescribeUserPool agrees with them.
    def delete_resource_server(self) -> ActionResult:
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        identifier = self._get_param("Identifier")
        if pool.resource_servers.pop(identifier, None) is None:
            raise ResourceNotFoundError(identifier)
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        pool = self._pool_by_arn(self._get_param("ResourceArn"))
        return ActionResult({"Tags": pool.extended_config.get("UserPoolTags", {})})

    def tag_resource(self) -> ActionResult:
        pool = self._pool_by_arn(self._get_param("ResourceArn"))
        pool.extended_config["UserPoolTags"] = {
            **pool.extended_config.get("UserPoolTags", {}),
            **self._get_param("Tags"),
        }
        return EmptyResult()


_original_describe_user_pool = CognitoIdpResponse.describe_user_pool
_original_create_user_pool_domain = CognitoIdpResponse.create_user_pool_domain
_original_describe_user_pool_domain = CognitoIdpResponse.describe_user_pool_domain
_original_backend_reset = CognitoIdpBackend.reset


def _describe_user_pool(self: CognitoIdpResponse) -> ActionResult:
    """moto reports whichever domain it finds first as ``Domain``; Cognito
    reports the prefix domain as ``Domain`` and a custom one as ``CustomDomain``."""
    result = _original_describe_user_pool(self)
    pool = result.result["UserPool"]  # type: ignore[index]
    pool.pop("Domain", None)
    for domain in self.backend.user_pool_domains.values():
        if domain.user_pool_id == pool["Id"]:
            key = "CustomDomain" if domain.custom_domain_config else "Domain"
            pool[key] = domain.domain
    return result


def _create_user_pool_domain(self: CognitoIdpResponse) -> ActionResult:
    """moto hands a prefix to whichever pool asks last; Cognito refuses a prefix another
    pool of the region holds until that pool lets it go. moto also drops ManagedLoginVersion,
    which Cognito keeps (1, the classic hosted UI, when not given)."""
    domain = self._get_param("Domain")
    held = self.backend.user_pool_domains.get(domain)
    if held is not None and held.user_pool_id != self._get_param("UserPoolId"):
        raise InvalidParameterException("Domain already associated with another user pool.")
    result = _original_create_user_pool_domain(self)
    self.backend.user_pool_domains[domain].managed_login_version = self._get_param("ManagedLoginVersion") or 1
    result.result["ManagedLoginVersion"] = self.backend.user_pool_domains[domain].managed_login_version  # type: ignore[index]
    return result


def _describe_user_pool_domain(self: CognitoIdpResponse) -> ActionResult:
    """moto leaves out the custom domain's certificate and the managed login version."""
    result = _original_describe_user_pool_domain(self)
    domain = self.backend.user_pool_domains.get(self._get_param("Domain"))
    if domain is not None:
        description = result.result["DomainDescription"]  # type: ignore[index]
        description["ManagedLoginVersion"] = getattr(domain, "managed_login_version", 1)
        if domain.custom_domain_config:
            description["CustomDomainConfig"] = domain.custom_domain_config
    return result


def _update_user_pool_domain(self: CognitoIdpResponse) -> ActionResult:
    """moto takes any pool's domain and only a certificate; Cognito updates the domain of the
    pool named, its managed login version, and a certificate only of a custom domain."""
    name = self._get_param("Domain")
    domain = self.backend.user_pool_domains.get(name)
    if domain is None or domain.user_pool_id != self._get_param("UserPoolId"):
        raise ResourceNotFoundError(f"Domain {name} does not exist in user pool {self._get_param('UserPoolId')}.")
    config = self._get_param("CustomDomainConfig")
    if config is not None:
        if not domain.custom_domain_config:
            raise InvalidParameterException("CustomDomainConfig can only be given for a custom domain.")
        domain.custom_domain_config = config
    if self._get_param("ManagedLoginVersion") is not None:
        domain.managed_login_version = self._get_param("ManagedLoginVersion")
    return ActionResult({"ManagedLoginVersion": getattr(domain, "managed_login_version", 1),
                         "CloudFrontDomain": domain.to_json(extended=False)["CloudFrontDomain"]})


def _reset_backend(self: CognitoIdpBackend) -> None:
    # moto resets every region's backend on POST /moto-api/reset (and when a
    # mock_aws context ends); the extras of its pools go with it.
    for key in [k for k in _store if k[:2] == (self.account_id, self.region_name)]:
        del _store[key]
    for path in [p for p in _images if p.split("/")[1] in self.user_pools]:
        del _images[path]
    import_jobs.reset(self.account_id, self.region_name)
    _original_backend_reset(self)


_original_setup_class = BaseResponse.setup_class


def _setup_class_keeping_the_raw_query(self: BaseResponse, request: Any, full_url: str, headers: Any,
                                       use_raw_body: bool = False) -> None:
    """moto checks SigV4 against werkzeug's rebuilt URL, whose query has ``%2F`` decoded to ``/``;
    real S3 signs the query as sent (``prefix=a%2Fb``), so a correct signature failed. Keep the
    query exactly as it arrived."""
    _original_setup_class(self, request, full_url, headers, use_raw_body)
    raw = getattr(request, "environ", {}).get("QUERY_STRING")
    if raw:
        self.uri = urlunparse(urlparse(self.uri)._replace(query=raw))


_moto_get_object_legal_hold = S3Response.get_object_legal_hold
_moto_put_object_legal_hold = S3Response.put_object_legal_hold


def _get_object_legal_hold(self: S3Response):
    """S3 refuses the question on a bucket without Object Lock; moto answers an empty hold."""
    if not self.backend.get_bucket(self.bucket_name).object_lock_enabled:
        raise LockNotEnabled
    return _moto_get_object_legal_hold(self)


def _put_object_legal_hold(self: S3Response):
    """S3 requires Content-MD5 (or a flexible checksum) on PutObjectLegalHold and checks it; moto
    takes the body as it comes."""
    md5 = self.headers.get("Content-MD5")
    if md5 is None and not any(name.lower().startswith("x-amz-checksum-") for name in self.headers.keys()):
        raise S3ClientError("InvalidRequest", "Missing required header for this request: Content-MD5")
    if md5 is not None and md5 != base64.b64encode(hashlib.md5(self.body).digest()).decode():
        raise S3ClientError("InvalidDigest", "The Content-MD5 you specified was invalid.")
    return _moto_put_object_legal_hold(self)


_moto_iam_request = IAMRequest._create_aws_request


def _iam_request_signed_as_sent(self: IAMRequest):
    """moto recomputes a signature over the request's parameters when its body is empty, so a
    correctly signed GET to a REST-JSON service (Lambda's GetFunctionConfiguration) failed with
    SignatureDoesNotMatch; such a request is signed over its empty body."""
    if self._body or self._method not in ("GET", "HEAD", "DELETE"):
        return _moto_iam_request(self)
    data, self._data = self._data, b""
    try:
        return _moto_iam_request(self)
    finally:
        self._data = data


# The IAM actions S3 authorizes these subresources by (the Service Authorization Reference's
# "API operations defined by Amazon S3"); moto authorizes ?legal-hold as s3:GetObject or
# s3:PutObject and ?replication as s3:ListBucket, so a policy without the real actions passed.
_S3_SUBRESOURCE_ACTIONS = {
    ("BUCKET", "GET"): {"replication": "GetReplicationConfiguration", "object-lock": "GetBucketObjectLockConfiguration",
                        "encryption": "GetEncryptionConfiguration"},
    ("BUCKET", "PUT"): {"replication": "PutReplicationConfiguration", "object-lock": "PutBucketObjectLockConfiguration",
                        "encryption": "PutEncryptionConfiguration"},
    ("BUCKET", "DELETE"): {"replication": "PutReplicationConfiguration", "encryption": "PutEncryptionConfiguration"},
    ("KEY", "GET"): {"legal-hold": "GetObjectLegalHold", "retention": "GetObjectRetention"},
    ("KEY", "PUT"): {"legal-hold": "PutObjectLegalHold", "retention": "PutObjectRetention"},
}


class S3Replication:
    """S3's replication status of objects, which moto never sets: off until switched on
    (``enable``), then an object written where an enabled rule of its bucket covers its key is
    ``PENDING``, as S3 marks it, until a test settles it: ``settle(bucket, "COMPLETED")`` copies
    each pending object to the rules' destination buckets, where the copy is ``REPLICA``;
    ``settle(bucket, "FAILED")`` marks them failed. HEAD and GET answer the status as
    ``x-amz-replication-status``. Switched off again by ``MotoPlus.reset``."""

    ATTRIBUTE = "_motoplus_replication_status"

    def __init__(self) -> None:
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False

    @staticmethod
    def destinations(bucket: Any, key: str) -> list[str]:
        """The destination buckets of the bucket's enabled rules that cover ``key``."""
        rules = (getattr(bucket, "replication", None) or {}).get("Rule", [])
        found = []
        for rule in rules if isinstance(rules, list) else [rules]:
            selection = rule.get("Filter") or {}
            prefix = selection.get("Prefix", (selection.get("And") or {}).get("Prefix", rule.get("Prefix", ""))) or ""
            if rule.get("Status") == "Enabled" and key.startswith(prefix):
                found.append(rule["Destination"]["Bucket"].split(":")[-1])
        return found

    def written(self, backend: S3Backend, bucket_name: str, key: FakeKey) -> None:
        if self.enabled and self.destinations(backend.get_bucket(bucket_name), key.name):
            setattr(key, self.ATTRIBUTE, "PENDING")

    def settle(self, bucket_name: str, status: str) -> list[str]:
        """Ends every pending replication of the bucket as ``status``; returns the keys settled."""
        assert status in ("COMPLETED", "FAILED"), status
        partition, account_id = s3_backends.bucket_accounts[bucket_name]
        backend = s3_backends[account_id][partition]
        bucket = backend.get_bucket(bucket_name)
        settled = []
        for key in list(bucket.keys.values()):
            if getattr(key, self.ATTRIBUTE, None) != "PENDING":
                continue
            setattr(key, self.ATTRIBUTE, status)
            settled.append(key.name)
            if status == "COMPLETED":
                for destination in self.destinations(bucket, key.name):
                    replica = _moto_put_object(backend, destination, key.name, key.value)
                    setattr(replica, self.ATTRIBUTE, "REPLICA")
        return settled


replication = S3Replication()
"""The one server's replication model; ``MotoPlus.replication`` is the same object."""

_moto_put_object = S3Backend.put_object
_moto_response_dict = FakeKey.response_dict


def _put_object(self: S3Backend, bucket_name: str, key_name: str, value: bytes, *args: Any, **kwargs: Any) -> FakeKey:
    key = _moto_put_object(self, bucket_name, key_name, value, *args, **kwargs)
    replication.written(self, bucket_name, key)
    return key


def _response_dict(self: FakeKey) -> dict[str, Any]:
    headers = _moto_response_dict.fget(self)  # type: ignore[attr-defined]
    status = getattr(self, S3Replication.ATTRIBUTE, None)
    if status:
        headers["x-amz-replication-status"] = status
    return headers


def _install() -> None:
    """Patch moto's classes; idempotent, since each step only assigns."""
    for extras in (_CognitoExtras, import_jobs.ImportJobResponses):
        for name, member in vars(extras).items():
            if inspect.isfunction(member):
                setattr(CognitoIdpResponse, name, member)
    CognitoIdpResponse.describe_user_pool = _describe_user_pool
    CognitoIdpResponse.create_user_pool_domain = _create_user_pool_domain
    CognitoIdpResponse.describe_user_pool_domain = _describe_user_pool_domain
    CognitoIdpResponse.update_user_pool_domain = _update_user_pool_domain
    CognitoIdpBackend.reset = _reset_backend
    BaseResponse.setup_class = _setup_class_keeping_the_raw_query
    S3Response.get_object_legal_hold = _get_object_legal_hold
    S3Response.put_object_legal_hold = _put_object_legal_hold
    IAMRequest._create_aws_request = _iam_request_signed_as_sent
    for (resource, method), actions in _S3_SUBRESOURCE_ACTIONS.items():
        s3_responses.ACTION_MAP[resource][method].update(actions)
    S3Backend.put_object = _put_object
    FakeKey.response_dict = property(_response_dict)


class S3RegionCheck:
    """WSGI middleware, off until switched on: refuses the tool's S3 requests signed for another
    region than their bucket's, as real S3 does and moto's single endpoint does not, so tests
    prove the tool finds a bucket's region. The answer is S3's: 400 ``AuthorizationHeaderMalformed``
    naming the bucket's ``<Region>``, with ``x-amz-bucket-region``; a HEAD gets the header alone."""

    def __init__(self, app) -> None:
        self.app = app
        self.enabled = False
        self.refused: list[tuple[str, str, str]] = []
        """(method, path, region signed for) of every request refused since ``enable``."""

    def enable(self) -> None:
        self.refused.clear()
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False

    def __call__(self, environ, start_response):
        wrong = self._wrong_region(environ) if self.enabled else None
        if wrong is None:
            return self.app(environ, start_response)
        signed, expected = wrong
        self.refused.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), signed))
        body = b"" if environ["REQUEST_METHOD"] == "HEAD" else (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AuthorizationHeaderMalformed</Code>"
            f"<Message>The authorization header is malformed; the region '{signed}' is wrong; expecting '{expected}'</Message>"
            f"<Region>{expected}</Region><RequestId>REGIONCHECK</RequestId></Error>").encode()
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("400 Bad Request", [("Content-Type", "application/xml"), ("Content-Length", str(len(body))),
                                           ("x-amz-bucket-region", expected), ("x-amz-request-id", "REGIONCHECK")])
        return [body]

    @staticmethod
    def _wrong_region(environ) -> tuple[str, str] | None:
        """(signed for, bucket's region) when a request of the tool's to an S3 bucket is signed for the wrong region."""
        if not environ.get("HTTP_USER_AGENT", "").startswith("cognito-backup/"):
            return None
        scope = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].split(",")[0].split("/")
        if len(scope) != 5 or scope[3] != "s3":
            return None
        bucket_name = environ.get("PATH_INFO", "").lstrip("/").split("/")[0]
        from moto.s3.models import s3_backends
        location = s3_backends.bucket_accounts.get(bucket_name)
        bucket = s3_backends[location[1]][location[0]].buckets.get(bucket_name) if location else None
        if bucket is None or bucket.region_name == scope[2]:
            return None
        return scope[2], bucket.region_name


class MotoPlus:
    """A running server on 127.0.0.1; see ``start``."""

    def __init__(self, server: BaseWSGIServer, faults: FaultPlan, region_check: S3RegionCheck):
        self._server = server
        self.faults = faults
        self.region_check = region_check
        self.replication = replication
        """``replication.enable()`` makes S3 mark replicated objects PENDING until ``settle``."""
        """``region_check.enable()`` makes S3 refuse wrong-region signatures, as AWS does."""
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        self.port: int = server.server_port
        self.url = f"http://127.0.0.1:{self.port}"

    def _post(self, path: str, body: bytes = b"") -> None:
        # Not urllib's default form type: Flask would hide the body from moto.
        request = urllib.request.Request(
            f"{self.url}{path}", data=body, headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(request).close()

    def reset(self) -> None:
        """Drop all state of every service, IAM users included."""
        self.replication.disable()
        self._post("/moto-api/reset")

    def enforce_auth(self) -> None:
        """Check SigV4 signatures and IAM policies from the next request on."""
        # The value is how many more requests may pass unchecked.
        self._post("/moto-api/reset-auth", b"0")

    def relax_auth(self) -> None:
        """Accept any credentials again (moto's default)."""
        self._post("/moto-api/reset-auth", b"inf")

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def start(port: int = 0) -> MotoPlus:
    """Start a patched moto server in this process; port 0 lets the OS choose."""
    _install()
    # Bound here rather than through moto's ThreadedMotoServer, which binds in
    # its thread and so waits forever instead of failing on a busy port.
    app = DomainDispatcherApplication(create_backend_app)
    faults = FaultPlan()
    region_check = S3RegionCheck(app)
    return MotoPlus(make_server("127.0.0.1", port, FaultInjector(import_jobs.ImportUploads(region_check), faults), threaded=True),
                    faults, region_check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    server = start(args.port)
    print(f"MOTO_URL={server.url}", flush=True)
    stopping.wait()
    server.stop()


if __name__ == "__main__":
    main()

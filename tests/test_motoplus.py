"""The moto fixture itself: the Cognito operations it adds, its reset and
auth switches, its command line, and the moto behaviour the suite relies on."""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from support import motoplus
from support.iam import admin_and_restricted_users, boto3_client

ANY_CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0123-4567"




@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", ANY_CREDS)


@pytest.fixture
def pool(idp) -> dict[str, Any]:
    created = idp.create_user_pool(PoolName="pool", UserPoolTags={"team": "id"})
    return created["UserPool"]


@pytest.fixture
def client_id(idp, pool) -> str:
    created = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web")
    return created["UserPoolClient"]["ClientId"]


def raw_responses(client) -> list[dict[str, Any]]:
    """Collects the responses (status_code, headers, body) the client receives,
    before botocore parses them, to check what is on the wire."""
    responses: list[dict[str, Any]] = []
    client.meta.events.register(
        "before-parse.*.*", lambda response_dict, **_: responses.append(response_dict)
    )
    return responses


def last_body(responses: list[dict[str, Any]]) -> dict[str, Any]:
    return json.loads(responses[-1]["body"])


def error_of(call) -> tuple[int, str]:
    """HTTP status and error code of a failing call, as moto sent them."""
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    status = response["ResponseMetadata"]["HTTPStatusCode"]
    code = response["Error"]["Code"]
    # For JSON services moto sends auth errors as an XML page that botocore
    # cannot parse: it reports the status as the code and the page as message.
    found = re.search(r"<Code>(\w+)</Code>", response["Error"].get("Message", ""))
    if code == str(status) and found:
        code = found.group(1)
    return status, code


def test_ui_customization(idp, pool, client_id):
    pool_id = pool["Id"]
    empty = idp.get_ui_customization(UserPoolId=pool_id)["UICustomization"]
    assert empty == {"UserPoolId": pool_id, "ClientId": "ALL"}

    # Cognito needs a domain to host the UI before it takes a customization.
    def too_early():
        idp.set_ui_customization(UserPoolId=pool_id, CSS="x")

    assert error_of(too_early) == (400, "InvalidParameterException")
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="pool-prefix")

    responses = raw_responses(idp)
    css = ".banner-customizable {background-color: #000;}"
    idp.set_ui_customization(UserPoolId=pool_id, CSS=css, ImageFile=b"\x89PNG")
    pool_wide = last_body(responses)["UICustomization"]
    assert set(pool_wide) == {
        "UserPoolId",
        "ClientId",
        "ImageUrl",
        "CSS",
        "CSSVersion",
        "LastModifiedDate",
        "CreationDate",
    }
    assert pool_wide["ClientId"] == "ALL" and pool_wide["CSS"] == css
    assert isinstance(pool_wide["CreationDate"], (int, float))
    assert pool_wide["ImageUrl"].startswith("https://")

    # A client without its own customization gets the pool-wide one.
    inherited = idp.get_ui_customization(UserPoolId=pool_id, ClientId=client_id)
    assert inherited["UICustomization"]["ClientId"] == "ALL"

    idp.set_ui_customization(UserPoolId=pool_id, ClientId=client_id, CSS="a{}")
    own = idp.get_ui_customization(UserPoolId=pool_id, ClientId=client_id)
    assert own["UICustomization"]["ClientId"] == client_id
    assert "ImageUrl" not in own["UICustomization"]
    assert isinstance(own["UICustomization"]["LastModifiedDate"], datetime)

    missing_client = error_of(
        lambda: idp.get_ui_customization(UserPoolId=pool_id, ClientId="nope")
    )
    missing_pool = error_of(lambda: idp.get_ui_customization(UserPoolId="us-east-1_x"))
    assert missing_client == missing_pool == (400, "ResourceNotFoundException")


def test_risk_configuration(idp, pool, client_id):
    pool_id = pool["Id"]
    nothing = idp.describe_risk_configuration(UserPoolId=pool_id)
    assert nothing["RiskConfiguration"] == {"UserPoolId": pool_id}

    compromised = {
        "EventFilter": ["SIGN_IN"],
        "Actions": {"EventAction": "BLOCK"},
    }
    exceptions = {"BlockedIPRangeList": ["10.0.0.0/8"]}
    responses = raw_responses(idp)
    idp.set_risk_configuration(
        UserPoolId=pool_id,
        CompromisedCredentialsRiskConfiguration=compromised,
        RiskExceptionConfiguration=exceptions,
    )
    described = idp.describe_risk_configuration(UserPoolId=pool_id)
    stored = last_body(responses)["RiskConfiguration"]
    assert set(stored) == {
        "UserPoolId",
        "CompromisedCredentialsRiskConfiguration",
        "RiskExceptionConfiguration",
        "LastModifiedDate",
    }
    assert isinstance(stored["LastModifiedDate"], (int, float))
    assert described["RiskConfiguration"]["RiskExceptionConfiguration"] == exceptions

    idp.set_risk_configuration(
        UserPoolId=pool_id, ClientId=client_id, RiskExceptionConfiguration=exceptions
    )
    for_client = idp.describe_risk_configuration(
        UserPoolId=pool_id, ClientId=client_id
    )["RiskConfiguration"]
    assert for_client["ClientId"] == client_id

    # Cognito deletes a risk configuration that is set to nothing.
    idp.set_risk_configuration(UserPoolId=pool_id)
    after = idp.describe_risk_configuration(UserPoolId=pool_id)
    assert after["RiskConfiguration"] == {"UserPoolId": pool_id}


def test_log_delivery_configuration(idp, pool):
    pool_id = pool["Id"]
    nothing = idp.get_log_delivery_configuration(UserPoolId=pool_id)
    assert nothing["LogDeliveryConfiguration"] == {
        "UserPoolId": pool_id,
        "LogConfigurations": [],
    }
    configurations = [
        {
            "LogLevel": "ERROR",
            "EventSource": "userNotification",
            "CloudWatchLogsConfiguration": {
                "LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:cognito"
            },
        }
    ]
    set_result = idp.set_log_delivery_configuration(
        UserPoolId=pool_id, LogConfigurations=configurations
    )
    got = idp.get_log_delivery_configuration(UserPoolId=pool_id)
    assert set_result["LogDeliveryConfiguration"] == got["LogDeliveryConfiguration"]
    assert got["LogDeliveryConfiguration"]["LogConfigurations"] == configurations


def test_managed_login_branding(idp, pool, client_id):
    pool_id = pool["Id"]
    assert error_of(
        lambda: idp.describe_managed_login_branding_by_client(
            UserPoolId=pool_id, ClientId=client_id
        )
    ) == (400, "ResourceNotFoundException")

    settings = {"components": {"pageBackground": {"lightMode": {"color": "ffffff"}}}}
    asset = {
        "Category": "PAGE_HEADER_LOGO",
        "ColorMode": "LIGHT",
        "Extension": "PNG",
        "Bytes": b"\x89PNG\r\n",
    }
    responses = raw_responses(idp)
    created = idp.create_managed_login_branding(
        UserPoolId=pool_id, ClientId=client_id, Settings=settings, Assets=[asset]
    )["ManagedLoginBranding"]
    assert set(last_body(responses)["ManagedLoginBranding"]) == {
        "ManagedLoginBrandingId",
        "UserPoolId",
        "UseCognitoProvidedValues",
        "Settings",
        "Assets",
        "CreationDate",
        "LastModifiedDate",
    }
    assert last_body(responses)["ManagedLoginBranding"]["Assets"][0]["Bytes"] == (
        base64.b64encode(asset["Bytes"]).decode()
    )
    assert created["Settings"] == settings and created["Assets"] == [asset]
    assert created["UseCognitoProvidedValues"] is False

    branding_id = created["ManagedLoginBrandingId"]
    by_client = idp.describe_managed_login_branding_by_client(
        UserPoolId=pool_id, ClientId=client_id
    )["ManagedLoginBranding"]
    by_id = idp.describe_managed_login_branding(
        UserPoolId=pool_id, ManagedLoginBrandingId=branding_id
    )["ManagedLoginBranding"]
    assert by_client == by_id == created

    assert error_of(
        lambda: idp.create_managed_login_branding(
            UserPoolId=pool_id, ClientId=client_id, UseCognitoProvidedValues=True
        )
    ) == (400, "ManagedLoginBrandingExistsException")

    idp.delete_managed_login_branding(
        UserPoolId=pool_id, ManagedLoginBrandingId=branding_id
    )
    assert error_of(
        lambda: idp.describe_managed_login_branding(
            UserPoolId=pool_id, ManagedLoginBrandingId=branding_id
        )
    ) == (400, "ResourceNotFoundException")


def _knows_terms() -> bool:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    return "CreateTerms" in model.operation_names


@pytest.mark.skipif(
    not _knows_terms(),
    reason="this botocore has no Terms operations, so neither boto3 nor moto's "
    "serializer can handle them",
)
def test_terms(idp, pool, client_id):
    pool_id = pool["Id"]
    second = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")
    second_id = second["UserPoolClient"]["ClientId"]
    links = {"cognito:default": "https://example.com/terms"}
    created = [
        idp.create_terms(
            UserPoolId=pool_id,
            ClientId=client,
            TermsName=name,
            TermsSource="LINK",
            Enforcement="NONE",
            Links=links,
        )["Terms"]
        for client, name in [
            (client_id, "terms-of-use"),
            (client_id, "privacy-policy"),
            (second_id, "terms-of-use"),
        ]
    ]
    assert created[0]["ClientId"] == client_id and created[0]["Links"] == links

    responses = raw_responses(idp)
    first = idp.list_terms(UserPoolId=pool_id, MaxResults=2)
    assert set(last_body(responses)["Terms"][0]) == {
        "TermsId",
        "TermsName",
        "Enforcement",
        "CreationDate",
        "LastModifiedDate",
    }
    rest = idp.list_terms(UserPoolId=pool_id, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    listed = [t["TermsId"] for t in first["Terms"] + rest["Terms"]]
    assert listed == [t["TermsId"] for t in created]

    described = idp.describe_terms(UserPoolId=pool_id, TermsId=created[2]["TermsId"])
    assert described["Terms"] == created[2]

    assert error_of(
        lambda: idp.create_terms(
            UserPoolId=pool_id,
            ClientId=client_id,
            TermsName="terms-of-use",
            TermsSource="LINK",
            Enforcement="NONE",
            Links=links,
        )
    ) == (400, "TermsExistsException")


def test_admin_link_provider_for_user(idp, pool):
    pool_id = pool["Id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice")
    idp.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Corp",
        ProviderType="OIDC",
        ProviderDetails={"client_id": "c", "oidc_issuer": "https://idp.example.com"},
    )
    source = {
        "ProviderName": "Corp",
        "ProviderAttributeName": "Cognito_Subject",
        "ProviderAttributeValue": "abc123",
    }
    destination = {"ProviderName": "Cognito", "ProviderAttributeValue": "alice"}

    def link(**changes):
        return lambda: idp.admin_link_provider_for_user(
            UserPoolId=pool_id,
            DestinationUser={**destination, **changes.get("destination", {})},
            SourceUser={**source, **changes.get("source", {})},
        )

    link()()
    assert motoplus.provider_links(pool_id) == [
        {"DestinationUser": destination, "SourceUser": source}
    ]
    assert error_of(link(destination={"ProviderAttributeValue": "bob"})) == (
        400,
        "UserNotFoundException",
    )
    assert error_of(link(source={"ProviderName": "Other"})) == (
        400,
        "ResourceNotFoundException",
    )


def test_tags(idp, pool):
    arn = pool["Arn"]
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "id"}
    idp.tag_resource(ResourceArn=arn, Tags={"env": "test", "team": "auth"})
    expected = {"team": "auth", "env": "test"}
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == expected
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["UserPoolTags"] == expected
    assert error_of(
        lambda: idp.list_tags_for_resource(ResourceArn=arn.replace(pool["Id"], "x_y"))
    ) == (400, "ResourceNotFoundException")


def test_delete_resource_server(idp, pool):
    identifier = "https://api.example.com/gone"
    idp.create_resource_server(UserPoolId=pool["Id"], Identifier=identifier, Name="gone")
    idp.delete_resource_server(UserPoolId=pool["Id"], Identifier=identifier)
    assert idp.list_resource_servers(UserPoolId=pool["Id"], MaxResults=50)["ResourceServers"] == []
    assert error_of(
        lambda: idp.delete_resource_server(UserPoolId=pool["Id"], Identifier=identifier)
    ) == (400, "ResourceNotFoundException")


def test_describe_user_pool_reports_both_domains(idp, pool):
    pool_id = pool["Id"]
    assert "Domain" not in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="pool-prefix")
    idp.create_user_pool_domain(
        UserPoolId=pool_id,
        Domain="auth.example.com",
        CustomDomainConfig={"CertificateArn": CERT_ARN},
    )
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Domain"] == "pool-prefix"
    assert described["CustomDomain"] == "auth.example.com"


def test_domains_keep_their_managed_login_version_and_certificate(idp, pool):
    pool_id = pool["Id"]
    other = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    created = idp.create_user_pool_domain(UserPoolId=pool_id, Domain="pool-prefix")
    assert created["ManagedLoginVersion"] == 1
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="auth.example.com", ManagedLoginVersion=2,
                                CustomDomainConfig={"CertificateArn": CERT_ARN})
    prefix = idp.describe_user_pool_domain(Domain="pool-prefix")["DomainDescription"]
    assert prefix["ManagedLoginVersion"] == 1 and "CustomDomainConfig" not in prefix
    custom = idp.describe_user_pool_domain(Domain="auth.example.com")["DomainDescription"]
    assert (custom["ManagedLoginVersion"], custom["CustomDomainConfig"]) == (2, {"CertificateArn": CERT_ARN})

    updated = idp.update_user_pool_domain(UserPoolId=pool_id, Domain="pool-prefix", ManagedLoginVersion=2)
    assert updated["ManagedLoginVersion"] == 2 and updated["CloudFrontDomain"]
    assert idp.describe_user_pool_domain(Domain="pool-prefix")["DomainDescription"]["ManagedLoginVersion"] == 2
    renewed = CERT_ARN.replace("0123", "9999")
    idp.update_user_pool_domain(UserPoolId=pool_id, Domain="auth.example.com", CustomDomainConfig={"CertificateArn": renewed})
    assert idp.describe_user_pool_domain(Domain="auth.example.com")["DomainDescription"]["CustomDomainConfig"]["CertificateArn"] == renewed
    # A prefix takes no certificate, and another pool's domain is not this pool's to update.
    assert error_of(lambda: idp.update_user_pool_domain(UserPoolId=pool_id, Domain="pool-prefix",
                                                        CustomDomainConfig={"CertificateArn": CERT_ARN}))[1] == "InvalidParameterException"
    assert error_of(lambda: idp.update_user_pool_domain(UserPoolId=other, Domain="pool-prefix",
                                                        ManagedLoginVersion=1))[1] == "ResourceNotFoundException"


def test_managed_login_branding_and_terms_are_updated_in_place(idp, pool, client_id):
    pool_id = pool["Id"]
    png = b"\x89PNG-new"
    branding = idp.create_managed_login_branding(UserPoolId=pool_id, ClientId=client_id, UseCognitoProvidedValues=True)["ManagedLoginBranding"]
    branding_id = branding["ManagedLoginBrandingId"]
    settings = {"categories": {"global": {"colorSchemeMode": "DARK"}}}
    idp.update_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=branding_id, Settings=settings,
                                      Assets=[{"Category": "FORM_LOGO", "ColorMode": "DARK", "Extension": "PNG", "Bytes": png}])
    styled = idp.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client_id)["ManagedLoginBranding"]
    assert (styled["ManagedLoginBrandingId"], styled["Settings"], styled["UseCognitoProvidedValues"]) == (branding_id, settings, False)
    assert [a["Bytes"] for a in styled["Assets"]] == [png]
    assert error_of(lambda: idp.update_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=branding_id,
                                                              UseCognitoProvidedValues=True, Settings=settings))[1] == "InvalidParameterException"
    idp.update_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=branding_id, UseCognitoProvidedValues=True)
    assert idp.describe_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=branding_id)[
        "ManagedLoginBranding"]["UseCognitoProvidedValues"]

    links = {"cognito:default": "https://example.com/terms"}
    first = idp.create_terms(UserPoolId=pool_id, ClientId=client_id, TermsName="terms-of-use", TermsSource="LINK",
                             Enforcement="NONE", Links=links)["Terms"]["TermsId"]
    idp.create_terms(UserPoolId=pool_id, ClientId=client_id, TermsName="privacy-policy", TermsSource="LINK",
                     Enforcement="NONE", Links=links)
    changed = {"cognito:default": "https://example.com/v2/terms"}
    idp.update_terms(UserPoolId=pool_id, TermsId=first, Links=changed)
    terms = idp.describe_terms(UserPoolId=pool_id, TermsId=first)["Terms"]
    assert (terms["TermsName"], terms["Links"]) == ("terms-of-use", changed)
    assert error_of(lambda: idp.update_terms(UserPoolId=pool_id, TermsId=first, TermsName="privacy-policy"))[1] == "TermsExistsException"


def test_reset_clears_added_state(server, idp, monkeypatch):
    # Hashed ids let the pool come back under the same id after the reset.
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
    pool_id = idp.create_user_pool(PoolName="same")["UserPool"]["Id"]
    idp.set_risk_configuration(
        UserPoolId=pool_id, RiskExceptionConfiguration={"SkippedIPRangeList": []}
    )
    idp.set_log_delivery_configuration(
        UserPoolId=pool_id,
        LogConfigurations=[{"LogLevel": "INFO", "EventSource": "userAuthEvents"}],
    )

    server.reset()

    assert idp.create_user_pool(PoolName="same")["UserPool"]["Id"] == pool_id
    risk = idp.describe_risk_configuration(UserPoolId=pool_id)
    assert risk["RiskConfiguration"] == {"UserPoolId": pool_id}
    logs = idp.get_log_delivery_configuration(UserPoolId=pool_id)
    assert logs["LogDeliveryConfiguration"]["LogConfigurations"] == []


ONLY_GET_UI = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "cognito-idp:GetUICustomization", "Resource": "*"}
    ],
}


def test_enforced_auth_applies_to_added_operations(server, pool):
    admin, backup = admin_and_restricted_users(server.url, ONLY_GET_UI)
    server.enforce_auth()

    restricted = boto3_client(server.url, "cognito-idp", backup)
    restricted.get_ui_customization(UserPoolId=pool["Id"])
    assert error_of(
        lambda: restricted.describe_risk_configuration(UserPoolId=pool["Id"])
    ) == (403, "AccessDenied")

    wrong_secret = {**admin, "AWS_SECRET_ACCESS_KEY": "wrong"}
    forged = boto3_client(server.url, "cognito-idp", wrong_secret)
    assert error_of(lambda: forged.get_ui_customization(UserPoolId=pool["Id"])) == (
        403,
        "SignatureDoesNotMatch",
    )
    boto3_client(server.url, "cognito-idp", admin).describe_risk_configuration(
        UserPoolId=pool["Id"]
    )


def test_iam_policies_are_checked_against_resource_star(server, pool):
    """moto passes "*" as the resource for cognito-idp, so a policy scoped to
    the pool's ARN denies even that pool."""
    scoped = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "cognito-idp:*", "Resource": pool["Arn"]}
        ],
    }
    _, backup = admin_and_restricted_users(server.url, scoped)
    server.enforce_auth()
    restricted = boto3_client(server.url, "cognito-idp", backup)
    assert error_of(lambda: restricted.describe_user_pool(UserPoolId=pool["Id"])) == (
        403,
        "AccessDenied",
    )


# Per service: a call that needs a permission, and moto's code for an
# access key it does not know.
AUTH_CASES = {
    "cognito-idp": ("list_user_pools", {"MaxResults": 1}, "InvalidClientTokenId"),
    "s3": ("list_buckets", {}, "InvalidAccessKeyId"),
    "dynamodb": ("list_tables", {}, "InvalidClientTokenId"),
}


@pytest.mark.parametrize("service", sorted(AUTH_CASES))
def test_auth_error_codes(server, service):
    operation, arguments, unknown_key_code = AUTH_CASES[service]
    admin, backup = admin_and_restricted_users(server.url, ONLY_GET_UI)
    server.enforce_auth()

    def call(creds):
        client = boto3_client(server.url, service, creds)
        return lambda: getattr(client, operation)(**arguments)

    assert error_of(call(backup)) == (403, "AccessDenied")
    wrong_secret = {**admin, "AWS_SECRET_ACCESS_KEY": "wrong"}
    assert error_of(call(wrong_secret)) == (403, "SignatureDoesNotMatch")
    unknown_key = {**admin, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}
    assert error_of(call(unknown_key)) == (403, unknown_key_code)


def test_auth_errors_of_json_services_are_xml_pages(server):
    """Cognito would answer in JSON with a ``__type``; moto sends the
    query-protocol XML page, labelled text/html, for cognito-idp and dynamodb."""
    _, backup = admin_and_restricted_users(server.url, ONLY_GET_UI)
    server.enforce_auth()
    client = boto3_client(server.url, "cognito-idp", backup)
    responses = raw_responses(client)
    with pytest.raises(ClientError):
        client.list_user_pools(MaxResults=1)
    denied = responses[-1]
    assert denied["headers"]["Content-Type"].startswith("text/html")
    assert denied["body"].startswith(b"<?xml")
    assert b"<ErrorResponse><Errors><Error><Code>AccessDenied</Code>" in denied["body"]


def test_command_line():
    script = Path(motoplus.__file__)
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert re.fullmatch(r"MOTO_URL=http://127\.0\.0\.1:\d+\n", line)
        url = line.strip().split("=", 1)[1]
        idp = boto3_client(url, "cognito-idp", ANY_CREDS)
        pool_id = idp.create_user_pool(PoolName="cli")["UserPool"]["Id"]
        idp.get_log_delivery_configuration(UserPoolId=pool_id)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stdout.read() == ""

"""A restore into an existing pool and what hangs off the pool and its clients: UI customization,
threat protection, log delivery, managed login branding, terms and the domain. Each is read
first: set where missing, left alone where equal, and put back where it differs only with
`--revert` (named otherwise); a rerun writes nothing, and a revert never weakens MFA, threat
protection or deletion protection on the way."""

from __future__ import annotations

import json

import pytest

from test_restore import CREDS, back_up, restore
from test_restore_logos import image_host  # noqa: F401 - fixture
from test_restore_requests import MODELS, problems
from support.iam import boto3_client

COGNITO = MODELS["AWSCognitoIdentityProviderService"]
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/source-cert"
LOGS = [{"LogLevel": "ERROR", "EventSource": "userNotification",
         "CloudWatchLogsConfiguration": {"LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:cognito-errors"}}]
SETTINGS = {"categories": {"global": {"colorSchemeMode": "LIGHT"}}}
LINKS = {"cognito:default": "https://example.com/terms"}
BLOCK = {"Actions": {"EventAction": "BLOCK"}}
POOL_CSS, CLIENT_CSS = ".banner-customizable { background: #123456; }", ".submitButton-customizable { color: red; }"
WRITES = ("SetUICustomization", "SetRiskConfiguration", "SetLogDeliveryConfiguration", "CreateManagedLoginBranding",
          "UpdateManagedLoginBranding", "CreateTerms", "UpdateTerms", "CreateUserPoolDomain", "UpdateUserPoolDomain",
          "UpdateUserPool", "SetUserPoolMfaConfig", "UpdateUserPoolClient")


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def decorated_pool(idp) -> tuple[str, str]:
    """A pool with threat protection on, a prefix and a custom domain, pool and client UI
    customization and threat protection settings, log delivery, a branding style and terms."""
    pool = idp.create_user_pool(PoolName="decorated", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    idp.create_user_pool_domain(UserPoolId=pool, Domain="decorated-auth", ManagedLoginVersion=2)
    idp.create_user_pool_domain(UserPoolId=pool, Domain="auth.example.com", ManagedLoginVersion=2,
                                CustomDomainConfig={"CertificateArn": CERT})
    idp.set_ui_customization(UserPoolId=pool, CSS=POOL_CSS)
    idp.set_ui_customization(UserPoolId=pool, ClientId=client, CSS=CLIENT_CSS)
    idp.set_risk_configuration(UserPoolId=pool, CompromisedCredentialsRiskConfiguration=BLOCK)
    idp.set_risk_configuration(UserPoolId=pool, ClientId=client, AccountTakeoverRiskConfiguration={
        "Actions": {"HighAction": {"Notify": False, "EventAction": "BLOCK"}}})
    idp.set_log_delivery_configuration(UserPoolId=pool, LogConfigurations=LOGS)
    idp.create_managed_login_branding(UserPoolId=pool, ClientId=client, Settings=SETTINGS)
    idp.create_terms(UserPoolId=pool, ClientId=client, TermsName="terms-of-use", TermsSource="LINK", Enforcement="NONE", Links=LINKS)
    return pool, client


def state(idp, pool: str, client: str) -> dict:
    """Every setting this file is about, as the pool reads it back."""
    branding = idp.describe_managed_login_branding_by_client(UserPoolId=pool, ClientId=client)["ManagedLoginBranding"]
    [terms] = [idp.describe_terms(UserPoolId=pool, TermsId=t["TermsId"])["Terms"] for t in idp.list_terms(UserPoolId=pool)["Terms"]]
    risk = lambda **client_id: {k: v for k, v in idp.describe_risk_configuration(UserPoolId=pool, **client_id)["RiskConfiguration"].items()
                                if k.endswith("Configuration")}
    domain = lambda name: idp.describe_user_pool_domain(Domain=name)["DomainDescription"]
    return {
        "pool_css": idp.get_ui_customization(UserPoolId=pool)["UICustomization"].get("CSS"),
        "client_css": idp.get_ui_customization(UserPoolId=pool, ClientId=client)["UICustomization"].get("CSS"),
        "pool_risk": risk(), "client_risk": risk(ClientId=client),
        "logs": idp.get_log_delivery_configuration(UserPoolId=pool)["LogDeliveryConfiguration"]["LogConfigurations"],
        "branding": branding["Settings"], "terms": terms["Links"],
        "prefix_version": domain("decorated-auth")["ManagedLoginVersion"],
        "custom": (domain("auth.example.com")["ManagedLoginVersion"], domain("auth.example.com")["CustomDomainConfig"]),
    }


def change_everything(idp, pool: str, client: str) -> None:
    idp.set_ui_customization(UserPoolId=pool, CSS=".banner-customizable { background: red; }")
    idp.set_ui_customization(UserPoolId=pool, ClientId=client, CSS=".submitButton-customizable { color: blue; }")
    idp.set_risk_configuration(UserPoolId=pool, CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "NO_ACTION"}})
    idp.set_risk_configuration(UserPoolId=pool, ClientId=client, AccountTakeoverRiskConfiguration={
        "Actions": {"HighAction": {"Notify": False, "EventAction": "NO_ACTION"}}})
    idp.set_log_delivery_configuration(UserPoolId=pool, LogConfigurations=[{**LOGS[0], "CloudWatchLogsConfiguration": {
        "LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:elsewhere"}}])
    branding = idp.describe_managed_login_branding_by_client(UserPoolId=pool, ClientId=client)["ManagedLoginBranding"]
    idp.update_managed_login_branding(UserPoolId=pool, ManagedLoginBrandingId=branding["ManagedLoginBrandingId"],
                                      Settings={"categories": {"global": {"colorSchemeMode": "DARK"}}})
    [terms] = idp.list_terms(UserPoolId=pool)["Terms"]
    idp.update_terms(UserPoolId=pool, TermsId=terms["TermsId"], Links={"cognito:default": "https://evil.example/terms"})
    idp.update_user_pool_domain(UserPoolId=pool, Domain="decorated-auth", ManagedLoginVersion=1)
    idp.update_user_pool_domain(UserPoolId=pool, Domain="auth.example.com", ManagedLoginVersion=1,
                                CustomDomainConfig={"CertificateArn": CERT.replace("source", "other")})


def writes(server) -> list[tuple[str, dict]]:
    """The restore's writes of these settings, each checked against the API model first."""
    sent = [(operation, json.loads(body)) for operation, body in server.faults.recorded if operation in WRITES]
    for operation, request in sent:
        found = problems(COGNITO, COGNITO["operations"][operation]["input"]["shape"], request, operation)
        # The model's DomainType pattern has no dots, yet its own documentation names a custom
        # domain such as auth.example.com, which CreateUserPoolDomain takes in the same member.
        if "." in request.get("Domain", ""):
            found = [problem for problem in found if not problem.startswith(f"{operation}.Domain: ")]
        assert found == []
    return sent


COMPONENTS = ("ui_customization", "risk_configuration", "log_delivery", "managed_login_branding", "terms", "domain")


def counts(summary: dict) -> dict:
    return {component: summary["counts"][component] for component in COMPONENTS}


def test_changed_settings_are_named_left_alone_and_put_back_only_with_revert(server, idp, tmp_path):
    pool, client = decorated_pool(idp)
    backup = back_up(server, pool, tmp_path)
    original = state(idp, pool, client)
    change_everything(idp, pool, client)
    changed = state(idp, pool, client)
    assert all(changed[key] != original[key] for key in original), changed

    server.faults.recording = True
    plain = json.loads(restore(server, backup, "--target-pool-id", pool).stdout)
    assert plain["complete"] and writes(server) == []
    assert state(idp, pool, client) == changed
    named = [w for w in plain["warnings"] if w.endswith("differs from the backup; --revert puts it back")]
    assert sorted(named) == sorted(f"{what} differs from the backup; --revert puts it back" for what in (
        "the UI customization of the pool", "the UI customization of app client web",
        "the threat protection settings of the pool", "the threat protection settings of app client web",
        "the log delivery configuration", "the managed login branding of app client web", "the terms-of-use terms of app client web",
        "the settings of domain decorated-auth (ManagedLoginVersion)",
        "the settings of domain auth.example.com (CustomDomainConfig, ManagedLoginVersion)")), plain["warnings"]
    assert all(c["skipped"] >= 1 and c["applied"] == c["created"] == 0 for c in counts(plain).values()), counts(plain)

    server.faults.recorded.clear()
    plan = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert", "--plan").stdout)
    assert writes(server) == []

    server.faults.recorded.clear()
    reverted = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert reverted["complete"], reverted["failures"]
    assert state(idp, pool, client) == original
    assert sorted(operation for operation, _ in writes(server)) == sorted(
        ["SetUICustomization"] * 2 + ["SetRiskConfiguration"] * 2 + ["SetLogDeliveryConfiguration", "UpdateManagedLoginBranding",
                                                                     "UpdateTerms"] + ["UpdateUserPoolDomain"] * 2)
    assert counts(reverted) == counts(plan) and {c: counts(reverted)[c]["applied"] for c in COMPONENTS} == {
        "ui_customization": 2, "risk_configuration": 2, "log_delivery": 1, "managed_login_branding": 1, "terms": 1, "domain": 2}
    assert not [w for w in reverted["warnings"] if "differs from the backup" in w]

    server.faults.recorded.clear()
    again = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert again["complete"] and writes(server) == []
    assert all(c["applied"] == c["created"] == 0 for c in counts(again).values())


@pytest.mark.parametrize("revert", [(), ("--revert",)], ids=["plain", "revert"])
def test_a_restore_into_a_pool_that_has_them_as_backed_up_writes_none(server, idp, tmp_path, revert):
    pool, client = decorated_pool(idp)
    backup = back_up(server, pool, tmp_path)
    server.faults.recording = True

    summary = json.loads(restore(server, backup, "--target-pool-id", pool, *revert).stdout)

    assert summary["complete"] and writes(server) == []
    assert not [w for w in summary["warnings"] if "differs from the backup" in w or "not restored" in w], summary["warnings"]
    assert {c: counts(summary)[c]["skipped"] for c in COMPONENTS} == {
        "ui_customization": 2, "risk_configuration": 2, "log_delivery": 1, "managed_login_branding": 1, "terms": 1, "domain": 2}


def test_missing_settings_are_set_without_revert(server, idp, tmp_path):
    pool, client = decorated_pool(idp)
    backup = back_up(server, pool, tmp_path)
    original = state(idp, pool, client)
    idp.set_risk_configuration(UserPoolId=pool)  # Cognito's way to remove a risk configuration
    idp.set_log_delivery_configuration(UserPoolId=pool, LogConfigurations=[])
    server.faults.recording = True

    summary = json.loads(restore(server, backup, "--target-pool-id", pool).stdout)

    assert summary["complete"]
    assert sorted(op for op, _ in writes(server)) == ["SetLogDeliveryConfiguration", "SetRiskConfiguration"]
    assert state(idp, pool, client) == original


MFA = {"OFF": 0, "OPTIONAL": 1, "ON": 2}
THREAT = {"OFF": 0, "AUDIT": 1, "ENFORCED": 2}
PROTECTION = {"INACTIVE": 0, "ACTIVE": 1}


def security(idp, pool: str) -> dict:
    described = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    return {"mfa": idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"],
            "threat": described.get("UserPoolAddOns", {}).get("AdvancedSecurityMode", "OFF"),
            "deletion": described.get("DeletionProtection", "INACTIVE")}


def configure(idp, pool: str, mfa: str, threat: str, deletion: str) -> None:
    idp.update_user_pool(UserPoolId=pool, UserPoolAddOns={"AdvancedSecurityMode": threat}, DeletionProtection=deletion,
                         MfaConfiguration=mfa)
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration=mfa, SoftwareTokenMfaConfiguration={"Enabled": True})


def replayed(start: dict, sent: list[tuple[str, dict]]) -> list[dict]:
    """Each state the pool passes through, by what real Cognito does with each write:
    UpdateUserPool resets what it is not given (MFA OFF, no add-ons, no deletion protection),
    and takes threat protection settings only while the add-on is on."""
    states, now = [], dict(start)
    for operation, request in sent:
        if operation == "UpdateUserPool":
            now = {"mfa": request.get("MfaConfiguration", "OFF"),
                   "threat": request.get("UserPoolAddOns", {}).get("AdvancedSecurityMode", "OFF"),
                   "deletion": request.get("DeletionProtection", "INACTIVE")}
        elif operation == "SetUserPoolMfaConfig":
            now = {**now, "mfa": request.get("MfaConfiguration", now["mfa"])}
        elif operation == "SetRiskConfiguration":
            assert now["threat"] != "OFF", f"SetRiskConfiguration sent while threat protection is off: {sent}"
        states.append(dict(now))
    return states


@pytest.mark.parametrize("backed_up, incident", [
    (("ON", "ENFORCED", "ACTIVE"), ("OFF", "OFF", "INACTIVE")),
    (("OPTIONAL", "AUDIT", "INACTIVE"), ("ON", "ENFORCED", "ACTIVE")),
    (("ON", "ENFORCED", "INACTIVE"), ("OPTIONAL", "OFF", "ACTIVE")),
], ids=["raise-all", "lower-all", "mixed"])
def test_a_revert_never_weakens_mfa_threat_or_deletion_protection_on_the_way(server, idp, tmp_path, backed_up, incident):
    pool = idp.create_user_pool(PoolName="guarded", Policies={"PasswordPolicy": {"MinimumLength": 12}})["UserPool"]["Id"]
    configure(idp, pool, *backed_up)
    idp.set_risk_configuration(UserPoolId=pool, CompromisedCredentialsRiskConfiguration=BLOCK)
    backup = back_up(server, pool, tmp_path)
    final = security(idp, pool)
    configure(idp, pool, *incident)
    idp.update_user_pool(UserPoolId=pool, Policies={"PasswordPolicy": {"MinimumLength": 6}}, MfaConfiguration=incident[0],
                         UserPoolAddOns={"AdvancedSecurityMode": incident[1]}, DeletionProtection=incident[2])
    idp.set_risk_configuration(UserPoolId=pool, CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "NO_ACTION"}})
    start = security(idp, pool)
    server.faults.recording = True

    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)

    assert summary["complete"], summary["failures"]
    sent = writes(server)
    assert "SetRiskConfiguration" in [op for op, _ in sent] and "UpdateUserPool" in [op for op, _ in sent]
    for moment, now in enumerate(replayed(start, sent)):
        for setting, rank in (("mfa", MFA), ("threat", THREAT), ("deletion", PROTECTION)):
            assert rank[now[setting]] >= min(rank[start[setting]], rank[final[setting]]), (moment, setting, sent)
    assert replayed(start, sent)[-1] == final == security(idp, pool)
    assert idp.describe_risk_configuration(UserPoolId=pool)["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"] == BLOCK

    server.faults.recorded.clear()
    restore(server, backup, "--target-pool-id", pool, "--revert")
    assert writes(server) == []


@pytest.mark.parametrize("operation", ["SetUICustomization", "UpdateManagedLoginBranding"])
def test_a_lost_answer_to_a_setting_is_sent_again(server, idp, tmp_path, operation):
    pool, client = decorated_pool(idp)
    backup = back_up(server, pool, tmp_path)
    original = state(idp, pool, client)
    change_everything(idp, pool, client)
    # Cognito applies the write, its answer never arrives: the write is idempotent and sent again.
    server.faults.add(operation, "drop")

    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)

    assert summary["complete"] and server.faults.fired[operation] == 1
    assert server.faults.seen[operation] == (3 if operation == "SetUICustomization" else 2)
    assert state(idp, pool, client) == original


def test_a_logo_is_compared_by_its_bytes(server, idp, image_host, tmp_path):
    from urllib.parse import urlparse

    from support import motoplus
    from test_restore import PNG

    pool = idp.create_user_pool(PoolName="logo")["UserPool"]["Id"]
    idp.create_user_pool_domain(UserPoolId=pool, Domain="logo-auth")
    idp.set_ui_customization(UserPoolId=pool, CSS=POOL_CSS, ImageFile=PNG)
    backup = back_up(server, pool, tmp_path)
    # Same CSS, another logo: only its bytes tell them apart (the URL changes with every upload).
    idp.set_ui_customization(UserPoolId=pool, CSS=POOL_CSS, ImageFile=PNG + b"other")
    logo = lambda: motoplus.image(urlparse(idp.get_ui_customization(UserPoolId=pool)["UICustomization"]["ImageUrl"]).path)
    server.faults.recording = True

    plain = json.loads(restore(server, backup, "--target-pool-id", pool).stdout)
    assert "the UI customization of the pool differs from the backup; --revert puts it back" in plain["warnings"]
    assert writes(server) == [] and logo() == PNG + b"other"

    reverted = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert reverted["complete"] and [op for op, _ in writes(server)] == ["SetUICustomization"] and logo() == PNG

    server.faults.recorded.clear()
    again = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert again["complete"] and writes(server) == [] and not [w for w in again["warnings"] if "logo" in w]

    # With the logo unreadable it is left as it is, and said so.
    image_host.shutdown()
    motoplus.set_image_host(None)
    unread = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert writes(server) == [] and any(w.startswith("the UI customization logo of the pool in the target could not be read")
                                        for w in unread["warnings"]), unread["warnings"]

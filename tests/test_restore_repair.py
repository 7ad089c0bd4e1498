"""Restoring over a pool that has settings already: every UpdateUserPool repeats the target's
current MFA mode, since UpdateUserPool turns an omitted MfaConfiguration OFF until
SetUserPoolMfaConfig runs, and `--revert` puts back the backup's settings and app clients."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from test_restore import BINARY, CREDS, back_up, restore
from test_restore_requests import MODELS, problems
from support.iam import boto3_client

SMS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "repair-test"}
TRIGGER = {"PreTokenGeneration": "arn:aws:lambda:us-east-1:123456789012:function:claims"}


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def mfa_pool(idp) -> str:
    pool = idp.create_user_pool(PoolName="mfa-triggers", LambdaConfig=TRIGGER, SmsConfiguration=SMS,
                                Policies={"PasswordPolicy": {"MinimumLength": 12}})["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON", SmsMfaConfiguration={"SmsConfiguration": SMS},
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    return pool


def update_user_pools(server) -> list[dict]:
    return [json.loads(body) for operation, body in server.faults.recorded if operation == "UpdateUserPool"]


def test_every_update_user_pool_repeats_the_targets_mfa_mode(server, idp, tmp_path):
    backup = back_up(server, mfa_pool(idp), tmp_path)
    server.faults.recording = True
    first = json.loads(restore(server, backup, "--create-pool", "--pool-name", "mfa-restored").stdout)
    target = first["target_pool_id"]
    # The new pool is made with MFA off and SetUserPoolMfaConfig follows the triggers.
    [attach] = update_user_pools(server)
    assert attach["MfaConfiguration"] == "OFF" and attach["LambdaConfig"] == TRIGGER
    assert idp.get_user_pool_mfa_config(UserPoolId=target)["MfaConfiguration"] == "ON"

    # A rerun attaches the triggers again to a pool whose MFA is now on: it must stay on.
    server.faults.recorded.clear()
    second = json.loads(restore(server, backup, "--create-pool", "--pool-name", "mfa-restored").stdout)
    assert second["target_pool_id"] == target and second["resumed"]
    updates = update_user_pools(server)
    assert updates and all(update.get("MfaConfiguration") == "ON" for update in updates), updates


COGNITO = MODELS["AWSCognitoIdentityProviderService"]
WRITES = ("UpdateUserPool", "UpdateUserPoolClient", "SetUserPoolMfaConfig", "UpdateGroup", "UpdateResourceServer",
          "UpdateIdentityProvider")


def writes(server) -> list[tuple[str, dict]]:
    """The revert's writes, each checked against the API model first (moto takes what AWS refuses)."""
    sent = [(operation, json.loads(body)) for operation, body in server.faults.recorded if operation in WRITES]
    for operation, request in sent:
        assert problems(COGNITO, COGNITO["operations"][operation]["input"]["shape"], request, operation) == []
    return sent


def client_named(idp, pool: str, name: str) -> dict:
    [client] = [c for c in idp.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"] if c["ClientName"] == name]
    return idp.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]


def test_revert_puts_back_settings_and_clients_raising_mfa_first_and_a_rerun_writes_nothing(server, idp, tmp_path):
    pool = mfa_pool(idp)
    backup = back_up(server, pool, tmp_path)
    # The incident: a script sets one setting and wipes the password policy, MFA is turned
    # off, a client's auth flows are edited.
    idp.update_user_pool(UserPoolId=pool, Policies={"PasswordPolicy": {"MinimumLength": 6}}, MfaConfiguration="OFF")
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    web = client_named(idp, pool, "web")
    idp.update_user_pool_client(UserPoolId=pool, ClientId=web["ClientId"], ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])

    server.faults.recording = True
    plan = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert", "--plan").stdout)
    assert writes(server) == []
    assert plan["writes_by_operation"] == {"SetUserPoolMfaConfig": 1, "UpdateUserPool": 1, "UpdateUserPoolClient": 1}, plan
    assert plan["counts"]["app_client_settings"]["applied"] == 1 and plan["counts"]["pool_settings"]["applied"] == 1
    assert client_named(idp, pool, "web")["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH"]

    server.faults.recorded.clear()
    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert summary["complete"] and summary["counts"]["app_client_settings"]["applied"] == 1
    sent = writes(server)
    assert [operation for operation, _ in sent] == ["UpdateUserPoolClient", "SetUserPoolMfaConfig", "UpdateUserPool"], sent
    # MFA was raised before anything else changed, and UpdateUserPool kept it on.
    assert sent[2][1]["MfaConfiguration"] == "ON"
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"] == "ON"
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert sorted(client_named(idp, pool, "web")["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    assert client_named(idp, pool, "web")["ClientId"] == web["ClientId"]

    server.faults.recorded.clear()
    again = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert again["complete"] and writes(server) == []


def test_revert_lowers_mfa_only_after_the_other_settings(server, idp, tmp_path):
    pool = idp.create_user_pool(PoolName="optional", SmsConfiguration=SMS)["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True})
    backup = back_up(server, pool, tmp_path)
    idp.update_user_pool(UserPoolId=pool, Policies={"PasswordPolicy": {"MinimumLength": 6}})
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})

    server.faults.recording = True
    restore(server, backup, "--target-pool-id", pool, "--revert")
    sent = writes(server)
    assert [operation for operation, _ in sent] == ["UpdateUserPool", "SetUserPoolMfaConfig"], sent
    assert sent[0][1]["MfaConfiguration"] == "ON"
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"] == "OPTIONAL"


def test_a_lost_answer_to_an_update_is_sent_again(server, idp, tmp_path):
    pool = mfa_pool(idp)
    backup = back_up(server, pool, tmp_path)
    web = client_named(idp, pool, "web")
    idp.update_user_pool_client(UserPoolId=pool, ClientId=web["ClientId"], ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    # Cognito applies the update, its answer never arrives.
    server.faults.add("UpdateUserPoolClient", "drop")

    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert summary["complete"] and server.faults.fired["UpdateUserPoolClient"] == 1
    assert server.faults.seen["UpdateUserPoolClient"] == 2
    assert sorted(client_named(idp, pool, "web")["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]


def test_revert_puts_back_groups_and_providers(server, idp, tmp_path):
    """(moto has no UpdateResourceServer: resource servers are put back the same way, untested here.)"""
    pool = idp.create_user_pool(PoolName="named")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="admins", Description="Full access", Precedence=1)
    idp.create_resource_server(UserPoolId=pool, Identifier="https://api.example.com", Name="api",
                               Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}])
    details = {"client_id": "partner", "client_secret": "s3cret", "authorize_scopes": "openid email",
               "oidc_issuer": "https://login.partner.example", "attributes_request_method": "GET"}
    idp.create_identity_provider(UserPoolId=pool, ProviderName="Partner", ProviderType="OIDC", ProviderDetails=details,
                                 AttributeMapping={"email": "email"})
    backup = back_up(server, pool, tmp_path)
    idp.update_group(UserPoolId=pool, GroupName="admins", Description="changed", Precedence=9)
    idp.update_identity_provider(UserPoolId=pool, ProviderName="Partner", ProviderDetails={**details, "authorize_scopes": "openid"})

    server.faults.recording = True
    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert summary["complete"]
    assert sorted(operation for operation, _ in writes(server)) == ["UpdateGroup", "UpdateIdentityProvider"]
    group = idp.get_group(UserPoolId=pool, GroupName="admins")["Group"]
    assert (group["Description"], group["Precedence"]) == ("Full access", 1)
    provider = idp.describe_identity_provider(UserPoolId=pool, ProviderName="Partner")["IdentityProvider"]
    assert provider["ProviderDetails"]["authorize_scopes"] == "openid email"

    server.faults.recorded.clear()
    restore(server, backup, "--target-pool-id", pool, "--revert")
    assert writes(server) == []


USER_WRITES = ("AdminUpdateUserAttributes", "AdminDeleteUserAttributes", "AdminDisableUser", "AdminEnableUser",
               "AdminCreateUser", "AdminAddUserToGroup")


def attributes(idp, pool: str, name: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=pool, Username=name)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"] if a["Name"] != "sub"} | {"enabled": str(user["Enabled"])}


def test_revert_puts_back_changed_users_without_reading_any_user_alone(server, idp, tmp_path):
    pool = idp.create_user_pool(PoolName="people")["UserPool"]["Id"]
    for i in range(12):
        idp.admin_create_user(UserPoolId=pool, Username=f"u{i:02}", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": f"u{i:02}@example.com"}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_disable_user(UserPoolId=pool, Username="u11")
    backup = back_up(server, pool, tmp_path)
    before = {name: attributes(idp, pool, name) for name in ("u01", "u02", "u03", "u04", "u11")}
    idp.admin_update_user_attributes(UserPoolId=pool, Username="u01", UserAttributes=[{"Name": "email", "Value": "evil@example.com"}])
    idp.admin_update_user_attributes(UserPoolId=pool, Username="u02", UserAttributes=[{"Name": "email_verified", "Value": "false"}])
    idp.admin_update_user_attributes(UserPoolId=pool, Username="u03", UserAttributes=[{"Name": "name", "Value": "Added"}])
    idp.admin_disable_user(UserPoolId=pool, Username="u04")
    idp.admin_enable_user(UserPoolId=pool, Username="u11")

    # Without --revert the changed users are refused as before.
    refused = restore(server, backup, "--target-pool-id", pool, "--mapping-file", str(tmp_path / "plain.json"), check=False)
    assert refused.returncode == 1 and json.loads(refused.stdout)["counts"]["users"]["failed"] == 3

    server.faults.recording = True
    plan = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert", "--plan").stdout)
    assert plan["counts"]["user_attributes"]["applied"] == 3
    assert plan["writes_by_operation"] == {"AdminDeleteUserAttributes": 1, "AdminUpdateUserAttributes": 2}, plan
    assert [op for op, _ in server.faults.recorded if op in USER_WRITES] == []

    server.faults.recorded.clear()
    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert summary["complete"] and summary["counts"]["user_attributes"]["applied"] == 3, summary["counts"]
    assert {name: attributes(idp, pool, name) for name in before} == before
    operations = [operation for operation, _ in server.faults.recorded]
    assert "AdminGetUser" not in operations
    # The plain run above already re-enabled u04 and disabled u11.
    assert sorted(op for op in operations if op in USER_WRITES) == [
        "AdminDeleteUserAttributes", "AdminUpdateUserAttributes", "AdminUpdateUserAttributes"], [
        (op, body) for op, body in server.faults.recorded if op in USER_WRITES]
    for operation, body in server.faults.recorded:
        if operation in USER_WRITES:
            assert problems(COGNITO, COGNITO["operations"][operation]["input"]["shape"], json.loads(body), operation) == []

    server.faults.recorded.clear()
    again = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert again["complete"] and [op for op, _ in server.faults.recorded if op in USER_WRITES] == []


def test_a_lost_answer_to_a_user_update_is_sent_again(server, idp, tmp_path):
    pool = idp.create_user_pool(PoolName="lost")["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool, Username="ana", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "ana@example.com"}])
    backup = back_up(server, pool, tmp_path)
    idp.admin_update_user_attributes(UserPoolId=pool, Username="ana", UserAttributes=[{"Name": "email", "Value": "evil@example.com"}])
    # Cognito applies the update, its answer never arrives: the update is idempotent and sent again.
    server.faults.add("AdminUpdateUserAttributes", "drop")

    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert summary["complete"] and server.faults.fired["AdminUpdateUserAttributes"] == 1
    assert server.faults.seen["AdminUpdateUserAttributes"] == 2
    assert attributes(idp, pool, "ana")["email"] == "ana@example.com"


def test_a_deleted_group_comes_back_with_its_members(server, idp, tmp_path):
    pool = idp.create_user_pool(PoolName="groups")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="admins", Description="Full access")
    for name in ("ana", "bo", "cy"):
        idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
    for name in ("ana", "bo"):
        idp.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName="admins")
    backup = back_up(server, pool, tmp_path)
    idp.delete_group(UserPoolId=pool, GroupName="admins")

    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert summary["complete"] and summary["counts"]["groups"]["created"] == 1
    members = idp.list_users_in_group(UserPoolId=pool, GroupName="admins")["Users"]
    assert sorted(u["Username"] for u in members) == ["ana", "bo"]


def interrupt_after(server, operation: str, calls: int, *arguments: str) -> str:
    """Runs `restore ARGUMENTS --json` with user updates slowed to 5/s, sends SIGINT once the
    server has seen `calls` of `operation`, and returns its stderr, checking it exited 130."""
    server.faults.recording = True
    env = {**os.environ, **CREDS, "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1", "COGNITO_TPS_USERUPDATE": "5"}
    process = subprocess.Popen([BINARY, "restore", *arguments, "--json"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while sum(op == operation for op, _ in server.faults.recorded) < calls and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    return stderr


def test_sigint_mid_revert_saves_the_journal_and_a_rerun_finishes(server, idp, tmp_path):
    pool = idp.create_user_pool(PoolName="interrupted")["UserPool"]["Id"]
    names = [f"u{i:02}" for i in range(40)]
    for name in names:
        idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    backup = back_up(server, pool, tmp_path)
    for name in names:
        idp.admin_update_user_attributes(UserPoolId=pool, Username=name, UserAttributes=[{"Name": "email", "Value": f"{name}@evil.example"}])

    stderr = interrupt_after(server, "AdminUpdateUserAttributes", 3, "--source", str(backup), "--target-pool-id", pool, "--revert")
    first = sum(op == "AdminUpdateUserAttributes" for op, _ in server.faults.recorded)
    assert 3 <= first < len(names)

    server.faults.recorded.clear()
    summary = json.loads(restore(server, backup, "--target-pool-id", pool, "--revert").stdout)
    assert summary["complete"]
    # The rerun puts back only the users the first run had not reached.
    assert sum(op == "AdminUpdateUserAttributes" for op, _ in server.faults.recorded) == len(names) - first
    assert all(attributes(idp, pool, name)["email"] == f"{name}@example.com" for name in names)

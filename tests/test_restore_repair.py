"""Restoring over a pool that has settings already: every UpdateUserPool repeats the target's
current MFA mode, since UpdateUserPool turns an omitted MfaConfiguration OFF until
SetUserPoolMfaConfig runs, and `--revert` puts back the backup's settings and app clients."""

from __future__ import annotations

import json

import pytest

from test_restore import CREDS, back_up, restore
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

"""Per-user MFA preferences: read at backup time where the pool's MFA can be SMS or email, set
again by a restore; users of an authenticator app, whose secret Cognito never exports, are
counted as having to enrol again."""

from __future__ import annotations

import json

import pytest
from moto.cognitoidp.models import cognitoidp_backends
from moto.core import DEFAULT_ACCOUNT_ID

from test_restore import CREDS, back_up, restore, run
from support.iam import boto3_client

SMS = {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "restore-test"}}


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def mfa_pool(idp) -> str:
    """SMS or authenticator-app MFA, optional: ana prefers SMS, bo an app (with SMS too), cy has none."""
    pool = idp.create_user_pool(PoolName="mfa", MfaConfiguration="OPTIONAL", **SMS)["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", SmsMfaConfiguration=SMS,
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    for name in ("ana", "bo", "cy"):
        idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}])
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="ana", SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="bo", SMSMfaSettings={"Enabled": True, "PreferredMfa": False})
    # Enrolling an app takes a signed-in session; moto's model is set directly instead.
    bo = cognitoidp_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].user_pools[pool].users["bo"]
    bo.software_token_mfa_enabled, bo.preferred_mfa_setting = True, "SOFTWARE_TOKEN_MFA"
    return pool


def preferences(idp, pool: str, name: str) -> tuple[list[str], str]:
    user = idp.admin_get_user(UserPoolId=pool, Username=name)
    return sorted(user.get("UserMFASettingList", [])), user.get("PreferredMfaSetting", "")


def test_sms_preferences_are_restored_and_authenticator_users_counted(server, idp, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_USER_MFA", "auto")
    backup = back_up(server, mfa_pool(idp), tmp_path)
    users = {u["Username"]: u for u in json.loads(backup.read_text())["users"]}
    assert users["ana"]["UserMFASettingList"] == ["SMS_MFA"] and users["ana"]["PreferredMfaSetting"] == "SMS_MFA"
    assert sorted(users["bo"]["UserMFASettingList"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    assert "UserMFASettingList" not in users["cy"]

    summary = json.loads(restore(server, backup, "--create-pool", "--pool-name", "mfa-restored").stdout)

    target = summary["target_pool_id"]
    assert summary["complete"] and summary["counts"]["mfa_preferences"]["applied"] == 2
    assert preferences(idp, target, "ana") == (["SMS_MFA"], "SMS_MFA")
    assert preferences(idp, target, "bo") == (["SMS_MFA"], "")
    assert preferences(idp, target, "cy") == ([], "")
    [warning] = [w for w in summary["warnings"] if "authenticator app" in w]
    assert warning.startswith("1 users used an authenticator app (TOTP)")


@pytest.mark.parametrize("setting,reads", [(None, 0), ("off", 0), ("auto", 3), ("on", 3)])
def test_backup_user_mfa_setting_decides_whether_each_user_is_read(server, idp, tmp_path, monkeypatch, setting, reads):
    if setting is None:
        monkeypatch.delenv("BACKUP_USER_MFA", raising=False)
    else:
        monkeypatch.setenv("BACKUP_USER_MFA", setting)
    pool = mfa_pool(idp)
    server.faults.recording = True

    backup = back_up(server, pool, tmp_path)

    assert [op for op, _ in server.faults.recorded].count("AdminGetUser") == reads
    assert any("UserMFASettingList" in user for user in json.loads(backup.read_text())["users"]) == (reads > 0)


def test_a_backup_that_bills_nobody_says_it_left_the_mfa_preferences_out_and_the_restore_says_so_too(server, idp, tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_USER_MFA", raising=False)
    backup = back_up(server, mfa_pool(idp), tmp_path)

    [warning] = [w for w in json.loads(backup.read_text())["warnings"] if w["component"] == "users.mfa_preferences"]
    assert "BACKUP_USER_MFA=off" in warning["reason"]
    summary = json.loads(restore(server, backup, "--create-pool", "--pool-name", "mfa-unread").stdout)
    assert summary["complete"] and "mfa_preferences" not in summary["counts"]
    assert any("did not read users' SMS and email MFA preferences" in w for w in summary["warnings"])
    assert preferences(idp, summary["target_pool_id"], "ana") == ([], "")


def test_a_pool_whose_mfa_cannot_be_sms_or_email_loses_nothing_and_gets_no_warning(server, idp, tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_USER_MFA", raising=False)
    pool = idp.create_user_pool(PoolName="plain")["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool, Username="ana", MessageAction="SUPPRESS")
    warnings = json.loads(back_up(server, pool, tmp_path).read_text())["warnings"]
    assert warnings and all(w["component"] != "users.mfa_preferences" for w in warnings)


def test_pool_without_sms_or_email_mfa_is_not_read_user_by_user_by_default(server, idp, tmp_path):
    pool = idp.create_user_pool(PoolName="plain")["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool, Username="ana", MessageAction="SUPPRESS")
    server.faults.recording = True

    back_up(server, pool, tmp_path)

    assert "AdminGetUser" not in [op for op, _ in server.faults.recorded]


def test_unknown_backup_user_mfa_setting_is_a_configuration_error(server, tmp_path):
    result = run(server, "backup", "--pool-id", "us-east-1_Abc", "--bucket", "b", "--table", "t", "--user-mfa", "sometimes",
                 check=False)
    assert result.returncode == 2
    assert "BACKUP_USER_MFA must be auto, on or off, not 'sometimes'" in result.stderr

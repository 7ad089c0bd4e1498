"""Users: never merged, never invited while disabled, and given passwords the pool accepts."""

from __future__ import annotations

import json

import pytest

from test_restore import CREDS, DISABLED, all_users, back_up, restore, run
from support.iam import boto3_client

NFC, NFD = "Jos\u00e9", "Jose\u0301"


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def test_disabled_users_are_never_invited_and_disabled_before_anything_else(server, idp, tmp_path):
    from test_restore import build_rich_pool
    backup = back_up(server, build_rich_pool(idp), tmp_path)
    server.faults.recording = True

    summary = json.loads(restore(server, backup, "--create-pool", "--passwords", "invite").stdout)

    assert summary["complete"]
    calls = [(op, json.loads(body or b"{}")) for op, body in server.faults.recorded]
    for name in DISABLED:
        mine = [(op, body) for op, body in calls if body.get("Username") == name]
        assert [op for op, _ in mine][:2] == ["AdminCreateUser", "AdminDisableUser"], name
        assert mine[0][1]["MessageAction"] == "SUPPRESS" and "DesiredDeliveryMediums" not in mine[0][1]
    invited = [body for op, body in calls if op == "AdminCreateUser" and body["Username"] not in DISABLED]
    assert invited and all("MessageAction" not in body for body in invited)
    # The pool has no SmsConfiguration: invitations go by email only.
    assert all(body.get("DesiredDeliveryMediums") == ["EMAIL"] for body in invited)
    disabled = {u["Username"] for u in all_users(idp, summary["target_pool_id"]) if not u["Enabled"]}
    assert disabled == DISABLED


def test_usernames_differing_only_in_case_are_refused_for_a_case_insensitive_target(server, idp, tmp_path):
    source = idp.create_user_pool(PoolName="cased", UsernameConfiguration={"CaseSensitive": True})["UserPool"]["Id"]
    for name in ("Bob", "bob"):
        idp.admin_create_user(UserPoolId=source, Username=name, MessageAction="SUPPRESS")
    idp.create_group(UserPoolId=source, GroupName="staff")
    backup = back_up(server, source, tmp_path)
    target = idp.create_user_pool(PoolName="folded", UsernameConfiguration={"CaseSensitive": False})["UserPool"]["Id"]

    result = restore(server, backup, "--target-pool-id", target, check=False)

    assert result.returncode == 1
    assert "Bob and bob" in result.stderr and "nothing was written" in result.stderr
    assert all_users(idp, target) == [] and idp.list_groups(UserPoolId=target)["Groups"] == []


def test_nfc_and_nfd_spellings_are_two_users_and_verify_tells_them_apart(server, idp, tmp_path):
    source = idp.create_user_pool(PoolName="unicode")["UserPool"]["Id"]
    idp.create_group(UserPoolId=source, GroupName="staff")
    for name, given in ((NFC, "composed"), (NFD, "decomposed")):
        idp.admin_create_user(UserPoolId=source, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "given_name", "Value": given}])
    idp.admin_add_user_to_group(UserPoolId=source, Username=NFD, GroupName="staff")
    backup = back_up(server, source, tmp_path)

    summary = json.loads(restore(server, backup, "--create-pool").stdout)

    target = summary["target_pool_id"]
    assert summary["complete"] and summary["counts"]["users"]["created"] == 2
    restored = {u["Username"]: {a["Name"]: a["Value"] for a in u["Attributes"]}["given_name"] for u in all_users(idp, target)}
    assert restored == {NFC: "composed", NFD: "decomposed"}
    members = [u["Username"] for u in idp.list_users_in_group(UserPoolId=target, GroupName="staff")["Users"]]
    assert members == [NFD]
    assert "FAIL" not in run(server, "verify", "--source", str(backup), "--pool-id", target).stdout
    idp.admin_remove_user_from_group(UserPoolId=target, Username=NFD, GroupName="staff")
    idp.admin_add_user_to_group(UserPoolId=target, Username=NFC, GroupName="staff")
    idp.admin_delete_user(UserPoolId=target, Username=NFD)
    checks = {c["check"]: c for c in json.loads(run(server, "verify", "--source", str(backup), "--pool-id", target, "--json",
                                                     check=False).stdout)["checks"]}
    assert checks["users"]["differences"] == [f"{NFD}: missing"]
    assert checks["group memberships"]["differences"] == [f"staff: {NFD} missing", f"staff: {NFC} not in the backup"]


def test_forgot_password_placeholder_meets_a_40_character_policy(server, idp, tmp_path):
    policy = {"MinimumLength": 40, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
              "RequireSymbols": True}
    source = idp.create_user_pool(PoolName="strict", Policies={"PasswordPolicy": policy})["UserPool"]["Id"]
    for name in ("ana", "bo"):
        idp.admin_create_user(UserPoolId=source, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=source, Username=name, Password="Original-Passw0rd!" * 3, Permanent=True)
    backup = back_up(server, source, tmp_path)

    summary = json.loads(restore(server, backup, "--create-pool", "--passwords", "forgot-password").stdout)

    assert summary["complete"] and summary["failures"] == []
    assert {u["UserStatus"] for u in all_users(idp, summary["target_pool_id"])} == {"CONFIRMED"}


def test_membership_of_a_user_the_backup_lacks_is_a_warning(server, idp, tmp_path):
    source = idp.create_user_pool(PoolName="live")["UserPool"]["Id"]
    idp.create_group(UserPoolId=source, GroupName="staff")
    idp.admin_create_user(UserPoolId=source, Username="ana", MessageAction="SUPPRESS")
    backup = back_up(server, source, tmp_path)
    document = json.loads(backup.read_text())
    document["group_memberships"] = {"staff": ["ana", "deleted-meanwhile"]}
    backup.write_text(json.dumps(document))

    summary = json.loads(restore(server, backup, "--create-pool").stdout)

    assert summary["complete"] and summary["failures"] == []
    assert any("deleted-meanwhile in group staff" in w for w in summary["warnings"])

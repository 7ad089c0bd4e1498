"""Pool settings a target cannot take as they are: a domain prefix the old pool still holds, and
threat protection in a pool without the add-on. Each is a warning naming what to do; the restore
of everything else succeeds."""

from __future__ import annotations

import json

import pytest

from test_restore import CREDS, all_users, back_up, restore
from support.iam import boto3_client

RISK = {"Actions": {"EventAction": "BLOCK"}}


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


@pytest.fixture
def small_source(server, idp, tmp_path):
    """A pool with a prefix domain, threat protection settings and two users, and its backup."""
    pool_id = idp.create_user_pool(PoolName="small", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})["UserPool"]["Id"]
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="small-auth")
    idp.set_risk_configuration(UserPoolId=pool_id, CompromisedCredentialsRiskConfiguration=RISK)
    for name in ("ana", "bo"):
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    return pool_id, back_up(server, pool_id, tmp_path)


def test_prefix_the_source_pool_still_holds_is_a_warning_naming_the_option(server, idp, small_source):
    source, backup = small_source

    result = restore(server, backup, "--create-pool", "--pool-name", "small-restored", check=False)

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["complete"] and summary["counts"]["users"]["created"] == 2
    [warning] = [w for w in summary["warnings"] if w.startswith("domain prefix small-auth not restored")]
    assert "Domain already associated with another user pool." in warning and "--domain-prefix" in warning
    assert "Domain" not in idp.describe_user_pool(UserPoolId=summary["target_pool_id"])["UserPool"]
    assert idp.describe_user_pool(UserPoolId=source)["UserPool"]["Domain"] == "small-auth"


def test_threat_protection_is_skipped_with_a_warning_for_a_target_without_the_add_on(server, idp, small_source):
    _, backup = small_source
    target = idp.create_user_pool(PoolName="plain")["UserPool"]["Id"]
    server.faults.recording = True

    summary = json.loads(restore(server, backup, "--target-pool-id", target).stdout)

    assert summary["complete"] and len(all_users(idp, target)) == 2
    assert any(w.startswith("threat protection settings not restored (1)") and "AdvancedSecurityMode is OFF" in w
               for w in summary["warnings"]), summary["warnings"]
    assert "risk_configuration" not in summary["counts"]
    assert "SetRiskConfiguration" not in [op for op, _ in server.faults.recorded]
    assert "CompromisedCredentialsRiskConfiguration" not in idp.describe_risk_configuration(UserPoolId=target)["RiskConfiguration"]

"""A restore is safe to run twice: a create whose answer is lost (moto did it, the connection
was cut) is found and adopted, never made twice, and later runs change nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_restore import GROUPS, TERMS_LINKS, USERS, all_users, back_up, build_rich_pool, restore, run
from support.iam import boto3_client
from test_restore import CREDS

CREATES = ["CreateUserPool", "CreateUserPoolClient", "CreateGroup", "CreateUserPoolDomain", "CreateIdentityProvider",
           "CreateManagedLoginBranding", "CreateTerms", "CreateResourceServer", "AdminCreateUser"]
WRITES = ("Create", "AdminCreateUser", "AdminAddUserToGroup", "AdminDisableUser", "AdminEnableUser",
          "AdminSetUserPassword", "AdminLinkProviderForUser")


@pytest.fixture(scope="module")
def backup_file(moto, tmp_path_factory) -> Path:
    """The rich pool's backup, made once; moto is emptied after, so each test starts bare."""
    moto.reset()
    directory = tmp_path_factory.mktemp("creates")
    pool_id = build_rich_pool(boto3_client(moto.url, "cognito-idp", CREDS))
    path = directory / "rich.json"
    shutil.copy(back_up(moto, pool_id, directory), path)
    moto.reset()
    return path


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def restore_args(mapping: Path) -> list[str]:
    return ["--create-pool", "--pool-name", "restored", "--domain-prefix", "restored-auth", "--mapping-file", str(mapping)]


def assert_exactly_one_of_each(idp, target: str) -> None:
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Id"] for p in pools] == [target]
    users = [u["Username"] for u in all_users(idp, target)]
    assert len(users) == len(set(users)) == USERS
    assert sorted(c["ClientName"] for c in idp.list_user_pool_clients(UserPoolId=target, MaxResults=60)["UserPoolClients"]) == \
        ["backend", "mobile", "web"]
    assert sorted(g["GroupName"] for g in idp.list_groups(UserPoolId=target)["Groups"]) == sorted(g["GroupName"] for g in GROUPS)
    assert sorted(p["ProviderName"] for p in idp.list_identity_providers(UserPoolId=target)["Providers"]) == ["Corp", "Partner"]
    assert len(idp.list_resource_servers(UserPoolId=target, MaxResults=50)["ResourceServers"]) == 2
    assert sorted(t["TermsName"] for t in idp.list_terms(UserPoolId=target)["Terms"]) == sorted(TERMS_LINKS)
    assert idp.describe_user_pool(UserPoolId=target)["UserPool"]["Domain"] == "restored-auth"


@pytest.mark.parametrize("operation", CREATES)
def test_lost_answer_to_a_create_leaves_exactly_one_and_the_same_mapping(server, idp, backup_file, tmp_path, operation):
    mapping = tmp_path / "mapping.json"
    server.faults.add(operation, "drop")

    first = json.loads(restore(server, backup_file, *restore_args(mapping)).stdout)

    assert server.faults.fired[operation] == 1
    assert first["complete"] and first["failures"] == [], first["failures"]
    assert_exactly_one_of_each(idp, first["target_pool_id"])
    second = json.loads(restore(server, backup_file, *restore_args(mapping)).stdout)
    assert second["target_pool_id"] == first["target_pool_id"] and second["complete"]
    assert second["app_clients"] == first["app_clients"]
    assert_exactly_one_of_each(idp, first["target_pool_id"])


def test_second_and_third_restore_write_nothing_and_fail_nothing(server, idp, backup_file, tmp_path):
    mapping = tmp_path / "mapping.json"
    first = json.loads(restore(server, backup_file, *restore_args(mapping)).stdout)
    target = first["target_pool_id"]
    users_after_first = sorted((u["Username"], u["Enabled"], u["UserStatus"]) for u in all_users(idp, target))

    for _ in range(2):
        server.faults.recording = True
        again = json.loads(restore(server, backup_file, *restore_args(mapping)).stdout)
        server.faults.recording = False
        writes = [op for op, _ in server.faults.recorded if op.startswith(WRITES)]
        server.faults.recorded.clear()
        assert writes == []
        assert again["complete"] and again["failures"] == [] and again["resumed"]
        assert all(c["created"] == 0 and c["failed"] == 0 for c in again["counts"].values()), again["counts"]
        assert again["app_clients"] == first["app_clients"]
        assert sorted((u["Username"], u["Enabled"], u["UserStatus"]) for u in all_users(idp, target)) == users_after_first
    assert_exactly_one_of_each(idp, target)
    assert "FAIL" not in run(server, "verify", "--source", str(backup_file), "--pool-id", target).stdout

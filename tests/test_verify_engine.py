"""verify and `diff --mapping` are one engine: a backup against the pool it was restored into,
what no restore carries (subs, statuses, ids, dates, the prefix, regenerated secrets) told apart,
so both pass on a faithful restore and both name the same differences after an edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_diff import client_id
from test_restore import BUCKET, CREDS, TABLE, USERS, back_up, build_rich_pool, idp, restore, run  # noqa: F401 - fixtures


@pytest.fixture
def restored(server, idp, tmp_path):
    """A rich pool's backup, a create-pool restore of it under another prefix, and its mapping file."""
    pool_id = build_rich_pool(idp)
    backup = back_up(server, pool_id, tmp_path)
    summary = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "rich-restored").stdout)
    return backup, summary["target_pool_id"], summary["mapping_files"][0]


def diff(server, *args: str):
    return run(server, "diff", *args, check=False)


def test_a_backup_and_its_restore_differ_only_in_what_no_restore_carries(server, idp, restored):
    backup, target, mapping = restored

    carried = diff(server, str(backup), f"pool:{target}", "--mapping", mapping, "--json")

    assert carried.returncode == 0, carried.stdout + carried.stderr
    report = json.loads(carried.stdout)
    assert report["identical"] and all(c["change"] == "not_carried" for c in report["changes"])
    assert report["summary"]["users"] == {"added": 0, "removed": 0, "changed": 0, "not_carried": USERS}
    not_carried = {(c["kind"], f["path"]) for c in report["changes"] for f in c["fields"]}
    tag = "UserPoolTags.cognito-backup:restore-id"
    assert {("users", "sub"), ("settings", "Id"), ("settings", "Arn"), ("settings", tag), ("domain", "Domain")} <= not_carried
    # The same two sides without the mapping: what a restore necessarily changes is a change.
    plain = diff(server, str(backup), f"pool:{target}", "--json")
    assert plain.returncode == 1
    changed = {(c["kind"], f["path"]) for c in json.loads(plain.stdout)["changes"] if c["change"] == "changed" for f in c["fields"]}
    assert {("settings", tag), ("domain", "Domain")} <= changed
    # People see it summed up, not a line per user.
    text = diff(server, str(backup), f"pool:{target}", "--mapping", mapping, "--summary")
    assert text.returncode == 0 and text.stdout.splitlines()[0] == "identical but for what no restore carries"
    assert f"users: {USERS} not carried by a restore (sub)" in text.stdout.splitlines()
    assert run(server, "verify", "--source", str(backup), "--pool-id", target).returncode == 0
    assert run(server, "verify", "--source", str(backup), "--pool-id", target, "--mapping", mapping).returncode == 0


def test_an_edit_after_the_restore_fails_its_check_and_diff_names_the_same_items(server, idp, restored):
    backup, target, mapping = restored
    idp.admin_update_user_attributes(UserPoolId=target, Username="user001", UserAttributes=[{"Name": "given_name", "Value": "Changed"}])
    idp.admin_remove_user_from_group(UserPoolId=target, Username="user003", GroupName="editors")
    web = idp.describe_user_pool_client(UserPoolId=target, ClientId=client_id(idp, target, "web"))["UserPoolClient"]
    idp.update_user_pool_client(UserPoolId=target, ClientId=web["ClientId"], ClientName="web", RefreshTokenValidity=5,
                                ExplicitAuthFlows=web["ExplicitAuthFlows"], CallbackURLs=web.get("CallbackURLs", []),
                                AllowedOAuthFlows=web.get("AllowedOAuthFlows", []), AllowedOAuthScopes=web.get("AllowedOAuthScopes", []),
                                AllowedOAuthFlowsUserPoolClient=web.get("AllowedOAuthFlowsUserPoolClient", False),
                                SupportedIdentityProviders=web.get("SupportedIdentityProviders", []),
                                PreventUserExistenceErrors=web.get("PreventUserExistenceErrors", "ENABLED"))

    verified = run(server, "verify", "--source", str(backup), "--pool-id", target, "--json", check=False)

    assert verified.returncode == 1
    failed = {c["check"]: c["differences"] for c in json.loads(verified.stdout)["checks"] if not c["passed"]}
    assert failed["user attributes and enabled state"] == ["user001: given_name is 'Jürgen' in the backup, 'Changed' in the pool"]
    assert failed["group memberships"] == ["editors: user003 missing"]
    assert any(d.startswith("web.RefreshTokenValidity: backup ") and d.endswith(", pool 5") for d in failed["app clients"])
    assert set(failed) == {"user attributes and enabled state", "group memberships", "app clients"}, failed

    compared = diff(server, str(backup), f"pool:{target}", "--mapping", mapping, "--json")
    assert compared.returncode == 1
    changes = [c for c in json.loads(compared.stdout)["changes"] if c["change"] != "not_carried"]
    assert {(c["kind"], c["change"], c["name"]) for c in changes} == {
        ("users", "changed", "user001"), ("memberships", "removed", "user003 in editors"), ("app_clients", "changed", "web")}
    user = next(c for c in changes if c["kind"] == "users")
    assert [f["path"] for f in user["fields"]] == ["given_name"] and [f["path"] for f in user["not_carried"]] == ["sub"]


def test_diff_and_verify_refuse_a_mapping_of_another_backup_or_pool(server, idp, restored, tmp_path):
    backup, target, mapping = restored
    other = json.loads(Path(mapping).read_text())
    other["backup_timestamp"] = "2020-01-01T00:00:00Z"
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(other))

    wrong_backup = diff(server, str(backup), f"pool:{target}", "--mapping", str(stale))
    wrong_pool = diff(server, str(backup), "pool:us-east-1_Other", "--mapping", mapping)
    pool_first = diff(server, f"pool:{target}", str(backup), "--mapping", mapping)

    assert wrong_backup.returncode == 2 and "records a restore of the backup of" in wrong_backup.stderr
    assert wrong_pool.returncode == 2 and f"records a restore into {target}" in wrong_pool.stderr
    assert pool_first.returncode == 2 and "the first side must be the backup" in pool_first.stderr
    verified = run(server, "verify", "--source", str(backup), "--pool-id", target, "--mapping", str(stale), check=False)
    assert verified.returncode == 2 and "records a restore of the backup of" in verified.stderr


def test_a_client_renamed_since_the_restore_is_paired_through_the_mapping(server, idp, restored):
    backup, target, mapping = restored
    mobile = idp.describe_user_pool_client(UserPoolId=target, ClientId=client_id(idp, target, "mobile"))["UserPoolClient"]
    idp.update_user_pool_client(UserPoolId=target, ClientId=mobile["ClientId"], ClientName="mobile-v2",
                                ExplicitAuthFlows=mobile.get("ExplicitAuthFlows", []), RefreshTokenValidity=mobile["RefreshTokenValidity"],
                                PreventUserExistenceErrors=mobile.get("PreventUserExistenceErrors", "ENABLED"))

    paired = run(server, "verify", "--source", str(backup), "--pool-id", target, "--mapping", mapping, "--json", check=False)
    by_name = run(server, "verify", "--source", str(backup), "--pool-id", target, "--json", check=False)
    compared = json.loads(diff(server, str(backup), f"pool:{target}", "--mapping", mapping, "--json").stdout)

    failed = {c["check"]: c["differences"] for c in json.loads(paired.stdout)["checks"] if not c["passed"]}
    assert failed == {"app clients": ['mobile.ClientName: backup "mobile", pool "mobile-v2"']}
    assert "mobile: missing" in next(c for c in json.loads(by_name.stdout)["checks"] if c["check"] == "app clients")["differences"]
    assert [(c["name"], c["id"], [f["path"] for f in c["fields"]]) for c in compared["changes"] if c["change"] == "changed"] \
        == [("mobile", mobile["ClientId"], ["ClientName"])]

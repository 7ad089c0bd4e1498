"""`diff`: what changed between a backup and the live pool (or another backup), named as a
person knows each item, with nothing untouched listed and nothing partial printed."""

from __future__ import annotations

import json

import pytest

from test_restore import BUCKET, CREDS, TABLE, back_up, build_rich_pool, idp, run  # noqa: F401 - fixtures
from support.iam import boto3_client

DELETED = ["user002", "user013", "user021", "user044", "user070"]
EDITED = {"user005": "renamed@example.com", "user017": "second@example.com", "user033": "third@example.com"}
NEWLY_DISABLED = ["user010", "user050"]
# user000 is in admins, editors and viewers; user003 in editors; user006 in editors and viewers.
LEFT = [("user003", "editors"), ("user006", "viewers"), ("user000", "admins")]
JOINED = [("user001", "admins"), ("user011", "editors")]


def client_id(idp, pool_id: str, name: str) -> str:
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    return next(c["ClientId"] for c in clients if c["ClientName"] == name)


def make_incident(idp, pool_id: str) -> None:
    """What a bad script and a careless console session do to a pool in an afternoon."""
    for name in DELETED:
        idp.admin_delete_user(UserPoolId=pool_id, Username=name)
    for name, email in EDITED.items():
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username=name, UserAttributes=[{"Name": "email", "Value": email}])
    for name in NEWLY_DISABLED:
        idp.admin_disable_user(UserPoolId=pool_id, Username=name)
    for name, group in LEFT:
        idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=name, GroupName=group)
    for name, group in JOINED:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName=group)
    idp.delete_group(UserPoolId=pool_id, GroupName="viewers")
    idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id(idp, pool_id, "backend"))
    idp.delete_identity_provider(UserPoolId=pool_id, ProviderName="Partner")
    mobile = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id(idp, pool_id, "mobile"))["UserPoolClient"]
    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=mobile["ClientId"], ClientName="mobile",
                                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                                RefreshTokenValidity=mobile["RefreshTokenValidity"],
                                PreventUserExistenceErrors=mobile["PreventUserExistenceErrors"])
    policy = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]
    policy["PasswordPolicy"]["MinimumLength"] = 8
    idp.update_user_pool(UserPoolId=pool_id, Policies=policy)


@pytest.fixture
def incident(server, idp, tmp_path):
    pool_id = build_rich_pool(idp)
    backup = back_up(server, pool_id, tmp_path)
    make_incident(idp, pool_id)
    return pool_id, backup


def diff(server, *args: str):
    return run(server, "diff", *args, check=False)


def test_diff_against_the_live_pool_names_every_change_and_no_untouched_user(server, incident):
    pool_id, backup = incident

    result = diff(server, str(backup), f"pool:{pool_id}", "--json")

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["identical"] is False
    changes = {(c["kind"], c["change"], c["name"]): c for c in report["changes"]}
    users = {(change, name) for kind, change, name in changes if kind == "users"}
    assert users == {("removed", n) for n in DELETED} | {("changed", n) for n in [*EDITED, *NEWLY_DISABLED]}
    for name, email in EDITED.items():
        assert changes[("users", "changed", name)]["fields"] == [{"path": "email", "old": f"{name}@example.com", "new": email}]
    for name in NEWLY_DISABLED:
        assert changes[("users", "changed", name)]["fields"] == [{"path": "Enabled", "old": True, "new": False}]
    memberships = {(change, name) for kind, change, name in changes if kind == "memberships"}
    assert {("removed", f"{u} in {g}") for u, g in LEFT if g != "viewers"} <= memberships
    assert {("added", f"{u} in {g}") for u, g in JOINED} <= memberships
    # The deleted group takes its members with it; deleted users take theirs.
    assert all(change == "removed" for change, name in memberships if name.endswith(" in viewers"))
    assert {k for k in changes if k[0] in ("groups", "app_clients", "identity_providers")} >= {
        ("groups", "removed", "viewers"), ("app_clients", "removed", "backend"), ("identity_providers", "removed", "Partner")}
    mobile = changes[("app_clients", "changed", "mobile")]
    assert [f["path"] for f in mobile["fields"]] == ["ExplicitAuthFlows"] and mobile["id"]
    assert changes[("settings", "changed", "Policies.PasswordPolicy.MinimumLength")]["fields"] == [
        {"path": "Policies.PasswordPolicy.MinimumLength", "old": 12, "new": 8}]
    assert report["summary"]["users"] == {"added": 0, "removed": 5, "changed": 5}


def test_the_text_report_has_one_line_per_change_and_the_summary_only_counts(server, incident):
    pool_id, backup = incident

    text = diff(server, str(backup), f"pool:{pool_id}")
    counts = diff(server, str(backup), f"pool:{pool_id}", "--summary")

    assert text.returncode == counts.returncode == 1
    lines = text.stdout.splitlines()
    assert "- user user002" in lines and "~ user user005: email: user005@example.com -> renamed@example.com" in lines
    assert "~ pool setting Policies.PasswordPolicy.MinimumLength: 12 -> 8" in lines
    # user004 is untouched; only the deleted group's membership names it.
    assert [line for line in lines if "user004" in line] == ["- membership user004 in viewers"]
    assert "users: 5 removed, 5 changed" in counts.stdout.splitlines() and "user002" not in counts.stdout


def test_a_backup_diffed_with_itself_or_its_own_pool_is_identical(server, idp, tmp_path):
    pool_id = build_rich_pool(idp)
    backup = back_up(server, pool_id, tmp_path)

    same = diff(server, str(backup), str(backup), "--json")
    live = diff(server, str(backup), f"pool:{pool_id}")

    assert same.returncode == 0, same.stdout + same.stderr
    assert json.loads(same.stdout) == {"changes": [], "identical": True, "summary": {}}
    assert (live.returncode, live.stdout) == (0, "identical\n"), live.stdout + live.stderr


def test_two_backups_in_s3_diff_by_key_and_version(server, incident, tmp_path):
    pool_id, backup = incident
    s3 = boto3_client(server.url, "s3", CREDS)
    s3.create_bucket(Bucket="diff-side")
    s3.put_bucket_versioning(Bucket="diff-side", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="diff-side", Key="pool.json", Body=backup.read_bytes())["VersionId"]
    record = json.loads(run(server, "backup", "--pool-id", pool_id, "--bucket", BUCKET, "--table", TABLE, "--json").stdout)
    after = tmp_path / "after.json"
    after.write_bytes(s3.get_object(Bucket=BUCKET, Key=record["backups"][0]["s3_key"])["Body"].read())
    s3.put_object(Bucket="diff-side", Key="pool.json", Body=after.read_bytes())

    result = diff(server, "s3://diff-side/pool.json", str(after), "--old-version-id", first, "--summary", "--json")
    current = diff(server, "s3://diff-side/pool.json", str(after))

    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["summary"]["users"] == {"added": 0, "removed": 5, "changed": 5}
    assert json.loads(result.stdout)["changes"] == []
    assert (current.returncode, current.stdout) == (0, "identical\n"), current.stderr


def test_a_pool_that_cannot_be_read_whole_is_an_aws_error_and_prints_no_partial_diff(server, incident):
    pool_id, backup = incident
    server.faults.add("ListUsersInGroup", "500", times=1000)

    result = diff(server, str(backup), f"pool:{pool_id}")

    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout == "" and "ListUsersInGroup" in result.stderr


def test_after_a_revert_the_diff_names_only_what_a_revert_leaves_the_memberships_added_since(server, incident):
    pool_id, backup = incident

    run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--revert", "--mapping-file",
        str(backup.with_suffix(".mapping.json")))
    result = diff(server, str(backup), f"pool:{pool_id}", "--json")

    report = json.loads(result.stdout)
    assert sorted((c["kind"], c["change"], c["name"]) for c in report["changes"]) == sorted(
        ("memberships", "added", f"{u} in {g}") for u, g in JOINED), result.stdout
    assert result.returncode == 1


def test_one_deleted_user_comes_back_alone_with_her_group_and_nothing_else_is_written(server, incident):
    from test_restore_plan import writes

    pool_id, backup = incident
    server.faults.recording = True
    # user002 was in viewers, which the incident deleted too.
    missing = run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--user", "nobody", check=False)
    assert missing.returncode == 2 and "no user nobody" in missing.stderr and writes(server.faults.recorded) == []

    planned = run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--user", "user002", "--plan", "--json")
    assert writes(server.faults.recorded) == [] and json.loads(planned.stdout)["writes_by_operation"] == {
        "CreateGroup": 1, "AdminCreateUser": 1, "AdminAddUserToGroup": 1}

    done = json.loads(run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--user", "user002", "--json").stdout)

    assert done["complete"] and sorted(op for op in writes(server.faults.recorded) if op != "PutObject") == [
        "AdminAddUserToGroup", "AdminCreateUser", "CreateGroup"]
    assert not backup.with_suffix(".restore-mapping.json").exists()
    assert set(json.loads(backup.with_suffix(".users-restore-mapping.json").read_text())["users"]) == {"user002"}
    after = json.loads(diff(server, str(backup), f"pool:{pool_id}", "--json").stdout)
    names = {(c["kind"], c["change"], c["name"]) for c in after["changes"]}
    assert ("users", "removed", "user002") not in names and ("memberships", "removed", "user002 in viewers") not in names
    assert {("users", "removed", n) for n in DELETED if n != "user002"} <= names and ("groups", "removed", "viewers") not in names
    assert ("app_clients", "removed", "backend") in names


def test_a_version_id_for_a_live_pool_is_a_usage_error(server, incident):
    pool_id, backup = incident
    for args in ([f"pool:{pool_id}", str(backup), "--old-version-id", "v1"], [str(backup), f"pool:{pool_id}", "--new-version-id", "v1"]):
        result = diff(server, *args)
        assert result.returncode == 2 and f"a version id is for a backup in S3, not pool:{pool_id}" in result.stderr, result.stderr

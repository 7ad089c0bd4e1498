"""A backup exists whole, described by its manifest and its row, or not at all — on a pool that
changes while it is read, with answers lost after S3 or DynamoDB acted, with two backups racing
for one key, and when the catalog cannot be written."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import threading
import time

import pytest

from conftest import BINARY
from support.pools import rich_pool
from test_backup import backup, big_pool

TABLE = "cognito-backup-metadata-test"


def rows(aws) -> list[dict]:
    return [{k: next(iter(v.values())) for k, v in item.items()} for item in aws.metadata()]


def assert_each_row_describes_its_object(aws) -> None:
    s3 = aws.client("s3")
    for row in rows(aws):
        data = s3.get_object(Bucket="backups", Key=row["s3_key"])["Body"].read()
        assert row["sha256"] == hashlib.sha256(data).hexdigest() and int(row["size_bytes"]) == len(data)
        manifest = aws.manifest(row["s3_key"])
        assert manifest["sha256"] == row["sha256"] and manifest["size_bytes"] == len(data)
        assert manifest["s3_key"] == row["s3_key"] and manifest["backup_date"] == row["backup_date"]
        assert json.loads(data)["user_pool_id"] == row["user_pool_id"]


def test_object_carries_its_identity_and_a_manifest_that_matches_the_row(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=12, groups=2, big_group_members=4)
    aws.make_storage()
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    [key] = aws.objects()
    assert sorted(aws.keys()) == sorted([key, key + ".manifest.json"])
    assert_each_row_describes_its_object(aws)
    head = aws.client("s3").head_object(Bucket="backups", Key=key)
    assert head["Metadata"]["user-pool-id"] == pool and head["Metadata"]["format-version"] == "2"
    assert len(head["Metadata"]["backup-id"]) >= 16
    snapshot = json.loads(aws.client("s3").get_object(Bucket="backups", Key=key)["Body"].read())
    window = snapshot["read_window"]
    assert snapshot["timestamp"] == window["started"] <= window["finished"]
    assert snapshot["users_found_in_groups"] == []


def test_every_part_is_completed_with_the_sha256_it_was_sent_with(aws):
    pool = big_pool(aws.client("cognito-idp"))
    aws.make_storage()
    aws.server.faults.recording = True
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    parts = [body for operation, body in aws.server.faults.recorded if operation == "UploadPart"]
    assert len(parts) >= 2
    complete = next(body for operation, body in aws.server.faults.recorded if operation == "CompleteMultipartUpload").decode()
    for part in parts:
        assert f"<ChecksumSHA256>{base64.b64encode(hashlib.sha256(part).digest()).decode()}</ChecksumSHA256>" in complete
    assert_each_row_describes_its_object(aws)


@pytest.mark.parametrize("operation,large", [
    ("PutObject", False),
    ("CompleteMultipartUpload", True),
    ("CreateMultipartUpload", True),
    ("PutItem", False),
])
def test_an_answer_lost_after_aws_acted_still_ends_in_one_whole_backup(aws, operation, large):
    cognito = aws.client("cognito-idp")
    pool = big_pool(cognito) if large else rich_pool(cognito, users=12, groups=2, big_group_members=4)
    aws.make_storage()
    aws.server.faults.add(operation, "drop", times=1)
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    assert aws.server.faults.fired[operation] == 1
    assert len(aws.objects()) == 1 and len(rows(aws)) == 1
    assert aws.open_uploads() == []
    assert_each_row_describes_its_object(aws)


def test_a_catalog_that_cannot_be_written_removes_the_object_and_says_so(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=12, groups=2, big_group_members=4)
    aws.make_storage()
    aws.server.faults.add("PutItem", "500", times=50)
    result = backup(aws, pool)
    assert result.returncode == 1
    assert "metadata row could not be written" in result.stdout and "the object was removed" in result.stdout
    assert pool in result.stdout
    aws.assert_nothing_stored()


def test_an_object_left_without_a_row_is_catalogued_by_the_next_backup(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=12, groups=2, big_group_members=4)
    aws.make_storage()
    # The row and the removal both fail: a process stopped between the two writes looks the same.
    aws.server.faults.add("PutItem", "500", times=50)
    aws.server.faults.add("DeleteObject", "500", times=50)
    first = backup(aws, pool)
    assert first.returncode == 1 and "stays at" in first.stdout
    [stray] = aws.objects()
    assert rows(aws) == []
    aws.server.faults.clear()
    assert backup(aws, pool).returncode == 0
    assert sorted(r["s3_key"] for r in rows(aws)) == sorted(aws.objects()) and stray in aws.objects()
    assert_each_row_describes_its_object(aws)


def test_an_object_already_under_the_key_is_never_overwritten(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=12, groups=2, big_group_members=4)
    aws.make_storage()
    s3 = aws.client("s3")
    now = time.time()
    decoys = set()
    for offset in range(0, 8):
        stamp = time.gmtime(now + offset)
        key = f"cognito-backup/{time.strftime('%Y/%m/%d', stamp)}/{pool}-{time.strftime('%H%M%S', stamp)}.json"
        s3.put_object(Bucket="backups", Key=key, Body=b"someone else's")
        decoys.add(key)
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    [mine] = [key for key in aws.objects() if key not in decoys]
    assert mine.endswith("-2.json")
    for key in decoys:
        assert s3.get_object(Bucket="backups", Key=key)["Body"].read() == b"someone else's"
    assert_each_row_describes_its_object(aws)


def test_two_backups_started_in_the_same_second_leave_two_objects_and_two_rows(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=12, groups=2, big_group_members=4)
    aws.make_storage()
    # Both runs decide their key before either writes: the race the conditional write settles.
    aws.server.faults.add("PutObject", "delay", times=2, seconds=1.5)
    env = aws.env()
    command = [BINARY, "backup", "--pool-id", pool, "--bucket", "backups", "--table", TABLE]
    time.sleep(1 - time.time() % 1 + 0.05)
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outcomes
    keys = sorted(aws.objects())
    assert len(keys) == 2 and len(rows(aws)) == 2, keys
    first, second = sorted(keys, key=len)
    assert second == first[:-len(".json")] + "-2.json", "the second run took the next key of the same second"
    assert_each_row_describes_its_object(aws)


def backup_held_at_memberships(aws, pool: str, times: int, seconds: float) -> subprocess.Popen:
    """Starts a backup whose first `times` membership reads wait `seconds`, and returns once the
    first of them has arrived: the test then changes the pool while the backup reads it."""
    aws.server.faults.add("ListUsersInGroup", "delay", times=times, seconds=seconds)
    run = subprocess.Popen([BINARY, "backup", "--pool-id", pool, "--bucket", "backups", "--table", TABLE],
                           env=aws.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while aws.server.faults.seen["ListUsersInGroup"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    return run


def test_a_user_who_joins_a_group_while_the_pool_is_read_is_in_the_backup(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=12, groups=3, big_group_members=4)
    aws.make_storage()
    # Memberships are read after users: hold the first membership read until the user exists.
    run = backup_held_at_memberships(aws, pool, times=1, seconds=2.0)
    cognito.admin_create_user(UserPoolId=pool, Username="late-joiner", MessageAction="SUPPRESS")
    for group in ("group-00", "group-01", "group-02"):
        cognito.admin_add_user_to_group(UserPoolId=pool, Username="late-joiner", GroupName=group)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    snapshot = json.loads(aws.client("s3").get_object(Bucket="backups", Key=aws.objects()[0])["Body"].read())
    names = {u["Username"] for u in snapshot["users"]} | {u["Username"] for u in snapshot["users_found_in_groups"]}
    members = {name for usernames in snapshot["group_memberships"].values() for name in usernames}
    assert "late-joiner" in members and members <= names
    assert [u["Username"] for u in snapshot["users_found_in_groups"]] == ["late-joiner"]
    [row] = rows(aws)
    assert int(row["user_count"]) == 13


def test_a_group_deleted_while_the_pool_is_read_is_a_warning_not_a_failure(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=12, groups=3, big_group_members=4)
    aws.make_storage()
    run = backup_held_at_memberships(aws, pool, times=3, seconds=1.5)
    for group in ("group-00", "group-01", "group-02"):
        cognito.delete_group(UserPoolId=pool, GroupName=group)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    snapshot = json.loads(aws.client("s3").get_object(Bucket="backups", Key=aws.objects()[0])["Body"].read())
    reasons = {w["component"]: w["reason"] for w in snapshot["warnings"]}
    assert all("deleted while the backup read it" in reasons[f"group_memberships.{g}"] for g in ("group-00", "group-01", "group-02"))
    assert_each_row_describes_its_object(aws)


def test_a_pool_deleted_while_it_is_read_fails_and_leaves_nothing(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=12, groups=3, big_group_members=4)
    aws.make_storage()
    aws.server.faults.add("ListUsersInGroup", "delay", times=3, seconds=1.5)
    done = threading.Event()

    def delete_when_reading():
        deadline = time.monotonic() + 30
        while aws.server.faults.seen["ListUsersInGroup"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        cognito.delete_user_pool(UserPoolId=pool)
        done.set()
    threading.Thread(target=delete_when_reading, daemon=True).start()
    result = backup(aws, pool)
    assert done.is_set()
    assert result.returncode != 0 and pool in result.stdout + result.stderr
    assert f"user pool {pool} not found" in result.stdout
    aws.assert_nothing_stored()


def test_a_backup_changed_after_it_was_written_is_refused_before_anything_is_restored(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=12, groups=2, big_group_members=4)
    aws.make_storage()
    s3 = aws.client("s3")
    s3.put_bucket_versioning(Bucket="backups", VersioningConfiguration={"Status": "Enabled"})
    assert backup(aws, pool).returncode == 0
    [key] = aws.objects()
    original = s3.get_object(Bucket="backups", Key=key)
    tampered = original["Body"].read().replace(b'"user001"', b'"mallory"')
    s3.put_object(Bucket="backups", Key=key, Body=tampered)
    pools_before = len(cognito.list_user_pools(MaxResults=60)["UserPools"])

    source = f"s3://backups/{key}"
    restore = aws.run("restore", "--source", source, "--create-pool", "--mapping-file", str(aws.tmp / "m.json"))
    assert restore.returncode == 1, restore.stderr
    assert "does not match its manifest" in restore.stderr and "nothing was written" in restore.stderr
    assert len(cognito.list_user_pools(MaxResults=60)["UserPools"]) == pools_before
    verify = aws.run("verify", "--source", source, "--pool-id", pool)
    assert verify.returncode == 1 and "does not match its manifest" in verify.stderr

    # The version the manifest describes is still there, and passes.
    checked = aws.run("verify", "--source", source, "--version-id", original["VersionId"], "--pool-id", pool)
    assert checked.returncode == 0, checked.stderr
    assert "warning" not in checked.stderr


def test_a_local_copy_or_a_backup_without_manifest_is_restored_with_a_warning(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=12, groups=2, big_group_members=4)
    aws.make_storage()
    assert backup(aws, pool).returncode == 0
    [key] = aws.objects()
    aws.client("s3").delete_object(Bucket="backups", Key=key + ".manifest.json")
    verify = aws.run("verify", "--source", f"s3://backups/{key}", "--pool-id", pool)
    assert verify.returncode == 0, verify.stderr
    assert "no manifest beside" in verify.stderr


def test_users_deleted_and_groups_created_while_the_pool_is_read_leave_a_consistent_backup(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=12, groups=3, big_group_members=6)
    aws.make_storage()
    run = backup_held_at_memberships(aws, pool, times=3, seconds=1.5)
    # The users section is written: these users are in it, and leave their groups now.
    for name in ("user000", "user001"):
        cognito.admin_delete_user(UserPoolId=pool, Username=name)
    cognito.create_group(UserPoolId=pool, GroupName="born-mid-backup")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="user002", GroupName="born-mid-backup")
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    snapshot = json.loads(aws.client("s3").get_object(Bucket="backups", Key=aws.objects()[0])["Body"].read())
    names = {u["Username"] for u in snapshot["users"]} | {u["Username"] for u in snapshot["users_found_in_groups"]}
    assert {name for usernames in snapshot["group_memberships"].values() for name in usernames} <= names
    # A group is in the object with its members, or not at all.
    assert set(snapshot["group_memberships"]) == {g["GroupName"] for g in snapshot["groups"]}
    assert_each_row_describes_its_object(aws)


def test_a_catalogued_backup_s_manifest_is_not_read_again_by_the_next_backup(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=12, groups=2, big_group_members=4)
    aws.make_storage()
    assert backup(aws, pool).returncode == 0
    aws.server.faults.clear()
    time.sleep(1.02 - time.time() % 1)
    assert backup(aws, pool).returncode == 0
    assert aws.server.faults.seen["GetObject"] == 0
    assert len(aws.objects()) == 2 and len(rows(aws)) == 2

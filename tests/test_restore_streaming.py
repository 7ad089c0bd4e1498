"""A restore streams its backup: an S3 object goes to a scratch file, hashed on the way, and is
checked before a byte of it is read; users are read from it as the workers take them, and the
mapping goes to disk as they are restored."""

from __future__ import annotations

import json
import subprocess

from support.pools import rich_pool
from test_backup import backup
from test_restore import BINARY
from test_restore_large import peak_rss_mb

MIB = 1 << 20


def backed_up_pool(aws, **sizes) -> tuple[object, str]:
    """A rich pool of `sizes` backed up by the binary: the Cognito client and the object's key."""
    aws.make_storage()
    cognito = aws.client("cognito-idp")
    assert backup(aws, rich_pool(cognito, **sizes)).returncode == 0
    [key] = aws.objects()
    return cognito, key


def test_s3_object_of_zeros_behind_its_manifest_is_refused_before_any_write_with_flat_memory(aws):
    cognito, key = backed_up_pool(aws, users=3, groups=1, big_group_members=2)
    aws.client("s3").put_object(Bucket="backups", Key=key, Body=bytes(256 * MIB))  # damaged after the backup
    pools_before = len(cognito.list_user_pools(MaxResults=60)["UserPools"])
    report = aws.tmp / "time.txt"

    result = subprocess.run(["/usr/bin/time", "-v", "-o", str(report), BINARY, "restore", "--source", f"s3://backups/{key}",
                             "--create-pool", "--mapping-file", str(aws.tmp / "m.json")],
                            env=aws.env(), capture_output=True, text=True, timeout=120)

    assert result.returncode == 1, result.stderr
    assert f"s3://backups/{key} does not match its manifest: {256 * MIB} bytes" in result.stderr
    assert "nothing was written" in result.stderr
    assert len(cognito.list_user_pools(MaxResults=60)["UserPools"]) == pools_before
    assert not (aws.tmp / "m.json").exists()
    # Held whole, the object alone would be 256 MB.
    assert peak_rss_mb(report.read_text()) < 64


def test_more_users_than_the_workers_hold_round_trip_in_the_backups_order_and_once(aws):
    cognito, key = backed_up_pool(aws, users=400, groups=3, big_group_members=300)
    stored = json.loads(aws.client("s3").get_object(Bucket="backups", Key=key)["Body"].read())
    mapping_file = aws.tmp / "mapping.json"
    # Moto enforces no quota: only the binary's own pacing would slow the test down.
    env = aws.env(COGNITO_TPS_USERCREATION="400", COGNITO_TPS_USERUPDATE="400")
    command = ["restore", "--source", f"s3://backups/{key}", "--create-pool", "--domain-prefix", "streamed-restore",
               "--mapping-file", str(mapping_file), "--json"]

    first = aws.run(*command, env=env)

    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    target = summary["target_pool_id"]
    assert summary["complete"] and summary["counts"]["users"]["created"] == 400
    assert summary["counts"]["group_memberships"]["created"] == sum(map(len, stored["group_memberships"].values())) > 300
    mapping = json.loads(mapping_file.read_text())
    assert list(mapping["users"]) == [user["Username"] for user in stored["users"]]
    assert {entry["old_sub"] for entry in mapping["users"].values()} == {
        next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub") for user in stored["users"]}
    subs, token = {}, None
    while True:
        page = cognito.list_users(UserPoolId=target, **({"PaginationToken": token} if token else {}))
        subs.update({u["Username"]: next(a["Value"] for a in u["Attributes"] if a["Name"] == "sub") for u in page["Users"]})
        if not (token := page.get("PaginationToken")):
            break
    assert {name: entry["new_sub"] for name, entry in mapping["users"].items()} == subs
    verified = aws.run("verify", "--source", f"s3://backups/{key}", "--pool-id", target, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    second = aws.run(*command, env=env)

    assert second.returncode == 0, second.stderr
    counts = json.loads(second.stdout)["counts"]
    assert counts["users"]["created"] == 0 and counts["users"]["skipped"] == 400
    assert counts["group_memberships"]["created"] == 0
    assert json.loads(mapping_file.read_text())["users"] == mapping["users"]

"""Recovering from the DR region: the replica bucket describes its backups without the metadata
table, S3 calls find the bucket's region as real S3 makes them, a DR bucket the restoring identity
may only read costs a warning rather than the client-id map, and the "Region down"
runbook of docs/operations.md works end to end in moto with two regions."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time

import boto3
import pytest

from conftest import BINARY
from support.iam import admin_and_restricted_users, user_with_policy
from support.pools import rich_pool
from test_backup import backup
from test_credentials import iam_role, iam_user, keyless_env, write_aws_file

PRIMARY, DR = "us-east-1", "us-west-2"
DR_BUCKET = "backups-dr"


def client_in(aws, service: str, region: str, credentials: dict | None = None):
    credentials = credentials or aws.credentials
    return boto3.client(service, endpoint_url=aws.url, region_name=region, aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"])


def backed_up_pool(aws, users: int = 20, name: str = "customers") -> tuple[str, str]:
    """A pool in the primary region, backed up by the binary into bucket `backups`; its key."""
    pool = rich_pool(aws.client("cognito-idp"), users=users, groups=4, big_group_members=min(4, users), name=name)
    aws.make_storage()
    return pool, backup_key(aws, pool)


def backup_key(aws, pool: str) -> str:
    result = backup(aws, pool, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["backups"][0]["s3_key"]


def replicate(aws, key: str) -> None:
    """What S3 replication does: the object and its manifest, to a bucket in the DR region."""
    source, replica = aws.client("s3"), client_in(aws, "s3", DR)
    replica.create_bucket(Bucket=DR_BUCKET, CreateBucketConfiguration={"LocationConstraint": DR})
    for name in (key, key + ".manifest.json"):
        replica.put_object(Bucket=DR_BUCKET, Key=name, Body=source.get_object(Bucket="backups", Key=name)["Body"].read())


@pytest.fixture
def profile(aws):
    """Writes a named profile into the binary's ~/.aws and returns the environment that selects it
    (with no keys of its own). Static keys today; an assume-role profile is a change here alone."""
    def write(name: str, credentials: dict, **extra: str) -> dict:
        directory = aws.tmp / ".aws"
        directory.mkdir(exist_ok=True)
        with open(directory / "credentials", "a") as file:
            file.write(f"[{name}]\naws_access_key_id = {credentials['AWS_ACCESS_KEY_ID']}\n"
                       f"aws_secret_access_key = {credentials['AWS_SECRET_ACCESS_KEY']}\n")
        env = {k: v for k, v in aws.env().items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "BACKUP_TABLE", "BACKUP_BUCKET")}
        return env | {"AWS_PROFILE": name} | extra
    return write


def test_region_down_runbook_lists_restores_and_verifies_from_the_dr_bucket(aws):
    pool, key = backed_up_pool(aws)
    replicate(aws, key)
    # The operator signs in as people do: an assume-role profile, no keys in the environment. Its
    # base keys may only assume the role, and moto enforces that every call is the role's.
    role = iam_role(aws, "dr-operator", "*")
    base = iam_user(aws, "dr-base", "sts:AssumeRole")
    write_aws_file(aws, "credentials", f"[dr-base]\naws_access_key_id = {base['AWS_ACCESS_KEY_ID']}\n"
                                       f"aws_secret_access_key = {base['AWS_SECRET_ACCESS_KEY']}\n")
    write_aws_file(aws, "config", f"[profile dr]\nrole_arn = {role}\nsource_profile = dr-base\nregion = {DR}\n")
    env = keyless_env(aws, AWS_PROFILE="dr")
    del env["AWS_REGION"]
    manifest = aws.manifest(key)
    aws.server.region_check.enable()
    aws.server.enforce_auth()

    # 1. List the backups from the DR bucket, without the table.
    listed = aws.run("list", "--bucket", DR_BUCKET, "--pool-id", pool, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [manifest | {"s3_bucket": DR_BUCKET}]

    # 2. Restore it into a new pool in the DR region.
    mapping = aws.tmp / "customers.restore-mapping.json"
    restored = aws.run("restore", "--source", f"s3://{DR_BUCKET}/{key}", "--create-pool", "--domain-prefix", "customers-dr",
                       "--mapping-file", str(mapping), "--json", env=env)
    assert restored.returncode == 0, restored.stderr
    summary = json.loads(restored.stdout)
    new_pool = summary["target_pool_id"]
    aws.server.relax_auth()
    assert len(client_in(aws, "cognito-idp", DR).list_users(UserPoolId=new_pool, Limit=60)["Users"]) == 20
    aws.server.enforce_auth()
    copy = f"{key.removesuffix('.json')}.restore-{new_pool}.json"
    assert summary["mapping_files"] == [str(mapping), f"s3://{DR_BUCKET}/{copy}"]

    # 3. Verify the new pool against the backup.
    verified = aws.run("verify", "--source", f"s3://{DR_BUCKET}/{key}", "--pool-id", new_pool, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "FAIL" not in verified.stdout
    # Every S3 call was signed for the DR bucket's region: none met the region check's refusal.
    assert aws.server.region_check.refused == []
    aws.server.relax_auth()


def test_dr_bucket_is_found_from_the_primary_regions_configuration(aws):
    pool, key = backed_up_pool(aws, users=3)
    replicate(aws, key)
    aws.server.region_check.enable()

    listed = aws.run("list", "--bucket", DR_BUCKET, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [record["s3_key"] for record in json.loads(listed.stdout)] == [key]
    verified = aws.run("verify", "--source", f"s3://{DR_BUCKET}/{key}", "--pool-id", pool)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # Each process was refused once, for its first call, and signed every later one for us-west-2.
    assert aws.server.region_check.refused == [("GET", f"/{DR_BUCKET}", PRIMARY), ("GET", f"/{DR_BUCKET}/{key}", PRIMARY)]


def test_source_region_signs_the_first_call_for_the_bucket_named(aws):
    pool, key = backed_up_pool(aws, users=3)
    replicate(aws, key)
    aws.server.region_check.enable()

    verified = aws.run("verify", "--source", f"s3://{DR_BUCKET}/{key}", "--source-region", DR, "--pool-id", pool)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert aws.server.region_check.refused == []


def wait_for_the_next_second() -> None:
    """Two backups in one second would tie on their keys' time: space them out."""
    time.sleep(1.02 - time.time() % 1)


def test_list_from_a_bucket_alone_shows_its_backups_newest_first(aws):
    cognito = aws.client("cognito-idp")
    first = rich_pool(cognito, users=3, groups=2, big_group_members=2, name="first")
    second = rich_pool(cognito, users=2, groups=2, big_group_members=1, name="second")
    aws.make_storage()
    keys = []
    for pool in (first, second, first):
        wait_for_the_next_second()
        keys.append(backup_key(aws, pool))
    oldest, middle, newest = keys
    s3 = aws.client("s3")
    # The oldest predates manifests; a mapping copy and a stray object are not backups.
    old_manifest = aws.manifest(oldest)
    s3.delete_object(Bucket="backups", Key=oldest + ".manifest.json")
    s3.put_object(Bucket="backups", Key=newest.removesuffix(".json") + ".restore-us-east-1_Other1.json", Body=b"{}")
    s3.put_object(Bucket="backups", Key="cognito-backup/notes.txt", Body=b"not a backup")
    aws.client("dynamodb").delete_table(TableName="cognito-backup-metadata-test")

    listed = aws.run("list", "--bucket", "backups", "--json")

    assert listed.returncode == 0, listed.stderr
    records = json.loads(listed.stdout)
    assert [r["s3_key"] for r in records] == [newest, middle, oldest]
    assert records[:2] == [aws.manifest(newest), aws.manifest(middle)]
    assert records[2] == {"user_pool_id": first, "backup_date": old_manifest["backup_date"][:19] + "Z", "s3_bucket": "backups",
                          "s3_key": oldest, "size_bytes": s3.head_object(Bucket="backups", Key=oldest)["ContentLength"]}

    only_second = json.loads(aws.run("list", "--bucket", "backups", "--pool-id", second, "--json").stdout)
    assert [r["s3_key"] for r in only_second] == [middle]
    latest = json.loads(aws.run("list", "--bucket", "backups", "--limit", "1", "--json").stdout)
    assert [r["s3_key"] for r in latest] == [newest]
    table = aws.run("list", "--bucket", "backups").stdout.splitlines()
    oldest_row = next(line for line in table if oldest in line).split()
    assert oldest_row[1:4] == [first, "?", "?"]


READ_ONLY_DR = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [f"arn:aws:s3:::{DR_BUCKET}", f"arn:aws:s3:::{DR_BUCKET}/*"]},
    {"Effect": "Allow", "Action": "cognito-idp:*", "Resource": "*"},
]}


def test_restore_from_a_read_only_dr_bucket_prints_the_client_map_and_warns_about_the_copy(aws):
    _, key = backed_up_pool(aws, users=5)
    replicate(aws, key)
    admin, restorer = admin_and_restricted_users(aws.url, READ_ONLY_DR)
    aws.server.enforce_auth()
    mapping = aws.tmp / "mapping.json"

    restored = aws.run("restore", "--source", f"s3://{DR_BUCKET}/{key}", "--create-pool", "--domain-prefix", "customers-dr",
                       "--mapping-file", str(mapping), env=aws.env(restorer, AWS_REGION=DR))

    assert restored.returncode == 0, restored.stdout + restored.stderr
    new_clients = {entry["new_client_id"] for entry in json.loads(mapping.read_text())["app_clients"].values()}
    assert len(new_clients) == 3 and all(client in restored.stdout for client in new_clients)
    assert "App clients (old → new id)" in restored.stdout
    assert "warning: the mapping was not copied" in restored.stderr and "AccessDenied" in restored.stderr
    stored = client_in(aws, "s3", DR, admin).list_objects_v2(Bucket=DR_BUCKET)["Contents"]
    assert sorted(o["Key"] for o in stored) == [key, key + ".manifest.json"]
    assert stat.S_IMODE(os.stat(mapping).st_mode) == 0o600


def test_mapping_file_is_readable_by_its_owner_alone_whatever_the_umask(aws):
    _, key = backed_up_pool(aws, users=2)
    source = aws.tmp / "backup.json"
    source.write_bytes(aws.client("s3").get_object(Bucket="backups", Key=key)["Body"].read())

    # umask 000 would leave a file created with fopen's 0666 readable by everyone.
    restored = subprocess.run(["sh", "-c", 'umask 000 && exec "$0" "$@"', BINARY, "restore", "--source", str(source), "--create-pool",
                               "--domain-prefix", "customers-copy"], env=aws.env(), capture_output=True, text=True, timeout=180)

    assert restored.returncode == 0, restored.stderr
    mapping = aws.tmp / "backup.restore-mapping.json"
    assert stat.S_IMODE(os.stat(mapping).st_mode) == 0o600


def test_source_profile_reads_the_backup_while_the_default_identity_writes_the_pool(aws, profile):
    _, key = backed_up_pool(aws, users=3)
    reader = user_with_policy(aws.url, "dr-reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]})
    writer = user_with_policy(aws.url, "pool-writer", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cognito-idp:*", "Resource": "*"}]})
    profile("dr-reader", reader)
    env = aws.env(writer)
    aws.server.enforce_auth()
    command = ["restore", "--source", f"s3://backups/{key}", "--create-pool", "--domain-prefix", "customers-two",
               "--mapping-file", str(aws.tmp / "mapping.json")]

    alone = aws.run(*command, env=env)
    assert alone.returncode == 3 and "s3 GetObject failed: AccessDenied" in alone.stderr, alone.stderr

    restored = aws.run(*command, "--source-profile", "dr-reader", "--json", env=env)
    assert restored.returncode == 0, restored.stderr
    new_pool = json.loads(restored.stdout)["target_pool_id"]
    verified = aws.run("verify", "--source", f"s3://backups/{key}", "--source-profile", "dr-reader", "--pool-id", new_pool, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr

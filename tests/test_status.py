"""`status` and `hold` against moto: a pool without a backup, or with one older than the RPO,
is out of policy (exit 1, named with why); a fresh backup puts it back in; legal holds land on
the object and its manifest and are lifted again; a backup that cannot abort its upload says
which upload stays and until when, and `status` lists that upload until it is gone."""

from __future__ import annotations

import json

import pytest
import re
import time

from test_backup import big_pool

TABLE = "cognito-backup-metadata-test"


def backup(aws, pool: str, bucket: str = "backups"):
    result = aws.run("backup", "--pool-id", pool, "--bucket", bucket, "--table", TABLE)
    assert result.returncode == 0, result.stderr
    return result


def status(aws, *extra: str, env: dict | None = None):
    return aws.run("status", "--table", TABLE, "--bucket", "backups", *extra, env=env)


def new_pool(aws, name: str) -> str:
    return aws.client("cognito-idp").create_user_pool(PoolName=name)["UserPool"]["Id"]


def test_status_exits_1_naming_a_pool_without_a_backup_and_0_once_it_has_a_fresh_one(aws):
    aws.make_storage()
    pool = new_pool(aws, "unprotected")

    before = status(aws, "--pool-id", pool)
    assert before.returncode == 1, before.stderr
    assert f"{pool} (no backup)" in before.stderr
    assert f"{pool}: OUT OF POLICY: no backup" in before.stdout

    backup(aws, pool)
    after = status(aws, "--pool-id", pool)
    assert after.returncode == 0, after.stdout + after.stderr
    assert f"{pool}: OK" in after.stdout


def test_status_judges_the_pools_of_USER_POOL_IDS_and_names_only_those_out_of_policy(aws):
    aws.make_storage()
    backed_up, forgotten = new_pool(aws, "backed-up"), new_pool(aws, "forgotten")
    backup(aws, backed_up)

    result = status(aws, env=aws.env(USER_POOL_IDS=f"{backed_up},{forgotten}"))
    assert result.returncode == 1
    assert "1 of 2 pools out of policy" in result.stderr and forgotten in result.stderr
    assert f"{backed_up} (" not in result.stderr


@pytest.mark.parametrize("selection", [{"USER_POOL_IDS": "*"}, {"BACKUP_POOL_TAGS": "backup=yes"}])
def test_status_judges_every_selected_pool_even_one_never_backed_up(aws, selection):
    aws.make_storage()
    cognito = aws.client("cognito-idp")
    backed_up = cognito.create_user_pool(PoolName="backed-up", UserPoolTags={"backup": "yes"})["UserPool"]["Id"]
    never = cognito.create_user_pool(PoolName="never", UserPoolTags={"backup": "yes"})["UserPool"]["Id"]
    backup(aws, backed_up)

    result = status(aws, env=aws.env(**selection))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 of 2 pools out of policy" in result.stderr and f"{never} (no backup)" in result.stderr


def test_a_backup_older_than_max_age_is_out_of_policy(aws):
    aws.make_storage()
    pool = new_pool(aws, "aging")
    backup(aws, pool)
    time.sleep(2.1)

    result = status(aws, "--pool-id", pool, "--max-age", "1s", "--json")
    assert result.returncode == 1
    [judged] = json.loads(result.stdout)["pools"]
    assert [b["code"] for b in judged["breaches"]] == ["backup-too-old"]
    assert judged["newest_backup"]["age_seconds"] >= 2
    assert "older than the RPO of 1s" in result.stderr
    assert status(aws, "--pool-id", pool, "--max-age", "1h").returncode == 0


def test_the_rpo_defaults_to_BACKUP_RPO_MINUTES(aws):
    aws.make_storage()
    pool = new_pool(aws, "rpo")
    backup(aws, pool)

    result = status(aws, "--pool-id", pool, "--json", env=aws.env(BACKUP_RPO_MINUTES="30", BACKUP_SCHEDULE="rate(1 day)"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["policy"] == {"rpo_seconds": 1800, "drill_max_age_seconds": None}


def test_without_pools_named_status_judges_every_pool_with_backups_from_the_bucket_alone(aws):
    aws.make_storage()
    first, second = new_pool(aws, "first"), new_pool(aws, "second")
    backup(aws, first)
    backup(aws, second)

    result = aws.run("status", "--bucket", "backups", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert sorted(p["user_pool_id"] for p in document["pools"]) == sorted([first, second])
    assert all(p["drill"] is None for p in document["pools"])


def test_a_recorded_failed_drill_puts_the_pool_out_of_policy_and_an_old_one_only_with_a_drill_max_age(aws):
    aws.make_storage()
    pool = new_pool(aws, "drilled")
    backup(aws, pool)
    dynamodb = aws.client("dynamodb")

    def record_drill(passed: bool, finished: str):
        dynamodb.put_item(TableName=TABLE, Item={
            "user_pool_id": {"S": f"drill#{pool}"}, "backup_date": {"S": "drill"}, "drill_of": {"S": pool},
            "finished_at": {"S": finished}, "passed": {"BOOL": passed}, "recovery_time_ms": {"N": "1200"},
            **({} if passed else {"failure": {"S": "verify: users differ"}})})

    never = status(aws, "--pool-id", pool, "--drill-max-age", "7d")
    assert never.returncode == 1 and "never drilled" in never.stderr

    record_drill(False, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    failed = status(aws, "--pool-id", pool)
    assert failed.returncode == 1 and "newest drill failed: verify: users differ" in failed.stderr

    record_drill(True, "2026-01-01T00:00:00Z")
    assert status(aws, "--pool-id", pool).returncode == 0
    overdue = status(aws, "--pool-id", pool, "--drill-max-age", "7d")
    assert overdue.returncode == 1 and "newest drill is" in overdue.stderr
    overdue_by_env = status(aws, "--pool-id", pool, env=aws.env(BACKUP_DRILL_MAX_AGE_DAYS="7"))
    assert overdue_by_env.returncode == 1


def test_the_drill_command_records_its_result_where_status_reads_it(aws):
    aws.make_storage()
    pool = new_pool(aws, "never-backed-up")
    drill = aws.run("drill", "--pool-id", pool, "--table", TABLE)
    assert drill.returncode == 1

    [item] = [i for i in aws.metadata() if i["user_pool_id"]["S"] == f"drill#{pool}"]
    assert item["passed"] == {"BOOL": False} and "no backup" in item["failure"]["S"]
    result = status(aws, "--pool-id", pool, "--json")
    [judged] = json.loads(result.stdout)["pools"]
    assert judged["drill"]["passed"] is False
    # The drill's row is not a backup: list and status still see none.
    assert json.loads(aws.run("list", "--table", TABLE, "--json").stdout) == []
    assert [b["code"] for b in judged["breaches"]] == ["no-backup", "drill-failed"]


def test_status_shows_a_run_in_progress_from_its_lease(aws):
    aws.make_storage()
    pool = new_pool(aws, "leased")
    backup(aws, pool)
    aws.client("dynamodb").put_item(TableName=TABLE, Item={
        "user_pool_id": {"S": f"lease#{pool}"}, "backup_date": {"S": "lease"}, "lease_of": {"S": pool},
        "holder_request_id": {"S": "req-123"}, "started": {"S": "2026-12-07T03:00:00Z"},
        "expires_at": {"N": str(int(time.time()) + 600)}, "lease_token": {"S": "t"}})

    result = status(aws, "--pool-id", pool, "--json")
    assert result.returncode == 0, result.stderr
    [judged] = json.loads(result.stdout)["pools"]
    assert judged["run_in_progress"]["request_id"] == "req-123"
    assert "a backup since 2026-12-07T03:00:00Z (request req-123)" in status(aws, "--pool-id", pool).stdout


def test_status_names_manifests_no_row_catalogues(aws):
    aws.make_storage()
    pool = new_pool(aws, "stray")
    backup(aws, pool)
    [row] = aws.metadata()
    aws.client("dynamodb").delete_item(TableName=TABLE, Key={k: row[k] for k in ("user_pool_id", "backup_date")})
    backup(aws, pool)  # catalogues the stray one of today first

    manifest = row["s3_key"]["S"] + ".manifest.json"
    s3 = aws.client("s3")
    body = s3.get_object(Bucket="backups", Key=manifest)["Body"].read()
    stray = manifest.replace(".json.manifest.json", "-9.json.manifest.json")
    s3.put_object(Bucket="backups", Key=stray, Body=body)

    [judged] = json.loads(status(aws, "--pool-id", pool, "--json").stdout)["pools"]
    assert judged["uncatalogued_manifests"] == [stray]


def object_lock_storage(aws):
    aws.client("s3").create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
    aws.make_storage()


def legal_hold(aws, key: str, bucket: str = "locked") -> str:
    return aws.client("s3").get_object_legal_hold(Bucket=bucket, Key=key)["LegalHold"]["Status"]


def test_hold_puts_the_object_and_its_manifest_under_legal_hold_and_release_lifts_both(aws):
    object_lock_storage(aws)
    pool = new_pool(aws, "incident")
    backup(aws, pool, bucket="locked")
    [key] = aws.objects("locked")

    held = aws.run("hold", "--bucket", "locked", "--key", key)
    assert held.returncode == 0, held.stderr
    assert legal_hold(aws, key) == "ON" and legal_hold(aws, key + ".manifest.json") == "ON"

    listed = json.loads(aws.run("list", "--bucket", "locked", "--holds", "--json").stdout)
    assert [b["legal_hold"] for b in listed] == [True]
    header, row = (re.split(r"\s{2,}", line) for line in aws.run("list", "--table", TABLE, "--holds").stdout.splitlines())
    assert header[5:7] == ["TIER", "HOLD"] and row[5:7] == ["monthly", "ON"]
    assert "legal_hold" not in json.loads(aws.run("list", "--bucket", "locked", "--json").stdout)[0]
    [judged] = json.loads(aws.run("status", "--table", TABLE, "--pool-id", pool, "--json").stdout)["pools"]
    assert [held["s3_key"] for held in judged["legal_holds"]] == [key]

    released = aws.run("hold", "--bucket", "locked", "--key", key, "--release")
    assert released.returncode == 0, released.stderr
    assert legal_hold(aws, key) == "OFF" and legal_hold(aws, key + ".manifest.json") == "OFF"
    [judged] = json.loads(aws.run("status", "--table", TABLE, "--pool-id", pool, "--json").stdout)["pools"]
    assert judged["legal_holds"] == []


def test_hold_sends_the_legal_hold_document_the_s3_model_describes(aws):
    import botocore.loaders
    model = botocore.loaders.Loader().load_service_model("s3", "service-2")
    operation = model["operations"]["PutObjectLegalHold"]
    assert operation["httpChecksum"]["requestChecksumRequired"] is True
    member = model["shapes"][operation["input"]["shape"]]["members"]["LegalHold"]
    assert member["locationName"] == "LegalHold" and member["xmlNamespace"]["uri"] == "http://s3.amazonaws.com/doc/2006-03-01/"

    object_lock_storage(aws)
    pool = new_pool(aws, "model")
    backup(aws, pool, bucket="locked")
    [key] = aws.objects("locked")
    aws.server.faults.recording = True
    assert aws.run("hold", "--bucket", "locked", "--key", key).returncode == 0
    bodies = [body for operation, body in aws.server.faults.recorded if operation == "PutObjectLegalHold"]
    assert bodies == [b'<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>ON</Status></LegalHold>'] * 2


def test_hold_on_a_bucket_without_object_lock_says_so_and_exits_2(aws):
    aws.make_storage()
    pool = new_pool(aws, "unlocked")
    backup(aws, pool)
    [key] = aws.objects()

    result = aws.run("hold", "--bucket", "backups", "--key", key)
    assert result.returncode == 2, result.stderr
    assert "Object Lock" in result.stderr
    [listed] = json.loads(aws.run("list", "--bucket", "backups", "--holds", "--json").stdout)
    assert listed["legal_hold"] is None


def test_a_backup_that_cannot_abort_its_upload_names_key_upload_and_lifecycle_and_status_lists_it_until_gone(aws):
    pool = big_pool(aws.client("cognito-idp"))
    aws.make_storage()
    s3 = aws.client("s3")
    s3.put_bucket_lifecycle_configuration(Bucket="backups", LifecycleConfiguration={"Rules": [{
        "ID": "incomplete", "Status": "Enabled", "Filter": {"Prefix": "cognito-backup/"},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
    aws.server.faults.add("UploadPart", "500", times=10_000)
    aws.server.faults.add("AbortMultipartUpload", "500", times=10_000)

    result = aws.run("backup", "--pool-id", pool, "--bucket", "backups", "--table", TABLE)
    assert result.returncode != 0
    said = result.stdout + result.stderr
    [upload] = aws.open_uploads()
    assert upload["UploadId"] in said and upload["Key"] in said
    assert "the bucket's lifecycle rule removes it 1 day after it began" in said

    [judged] = json.loads(status(aws, "--pool-id", pool, "--json").stdout)["pools"]
    [listed] = judged["open_uploads"]
    assert (listed["s3_key"], listed["upload_id"], listed["lifecycle_abort_days"]) == (upload["Key"], upload["UploadId"], 1)
    assert f"open upload    {upload['Key']} (upload {upload['UploadId']}" in status(aws, "--pool-id", pool).stdout

    aws.server.faults.clear()
    s3.abort_multipart_upload(Bucket="backups", Key=upload["Key"], UploadId=upload["UploadId"])
    [judged] = json.loads(status(aws, "--pool-id", pool, "--json").stdout)["pools"]
    assert judged["open_uploads"] == []


def test_without_a_readable_lifecycle_the_abort_failure_points_at_the_rule(aws):
    pool = big_pool(aws.client("cognito-idp"))
    aws.make_storage()
    aws.server.faults.add("UploadPart", "500", times=10_000)
    aws.server.faults.add("AbortMultipartUpload", "500", times=10_000)
    aws.server.faults.add("GetBucketLifecycleConfiguration", "500", times=10_000)

    result = aws.run("backup", "--pool-id", pool, "--bucket", "backups", "--table", TABLE)
    assert result.returncode != 0
    said = result.stdout + result.stderr
    [upload] = aws.open_uploads()
    assert upload["UploadId"] in said
    assert "it is removed per the bucket's lifecycle rule" in said


def test_moto_here_refuses_a_legal_hold_without_a_checksum_as_s3_does(aws):
    """The patch that makes the hold tests mean something: S3 requires Content-MD5 and checks it."""
    import requests
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    object_lock_storage(aws)
    aws.client("s3").put_object(Bucket="locked", Key="k", Body=b"1")
    body = b'<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>ON</Status></LegalHold>'

    def signed_put(headers: dict) -> requests.Response:
        request = AWSRequest(method="PUT", url=f"{aws.url}/locked/k?legal-hold", data=body, headers=headers)
        S3SigV4Auth(Credentials(aws.credentials["AWS_ACCESS_KEY_ID"], aws.credentials["AWS_SECRET_ACCESS_KEY"]), "s3", "us-east-1").add_auth(request)
        return requests.put(request.url, data=body, headers=dict(request.headers))

    missing = signed_put({})
    assert missing.status_code == 400 and "Content-MD5" in missing.text
    wrong = signed_put({"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})
    assert wrong.status_code == 400 and "InvalidDigest" in wrong.text
    assert aws.client("s3").get_object_legal_hold(Bucket="locked", Key="k")["LegalHold"].get("Status") != "ON"


def test_status_counts_the_tiers_a_pool_holds_and_tolerates_backups_from_before_tiers(aws):
    aws.make_storage()
    pool = new_pool(aws, "tiered")
    backup(aws, pool)
    backup(aws, pool)
    [_, second] = sorted(aws.metadata(), key=lambda item: item["backup_date"]["S"])
    # The second as a backup from before tiers left its row: without one.
    aws.client("dynamodb").update_item(TableName=TABLE, Key={k: second[k] for k in ("user_pool_id", "backup_date")},
                                       UpdateExpression="REMOVE tier")

    [judged] = json.loads(status(aws, "--pool-id", pool, "--json").stdout)["pools"]
    assert judged["tiers"] == {"monthly": 1, "untiered": 1}
    assert "tiers          monthly 1, untiered 1" in status(aws, "--pool-id", pool).stdout

"""The bench fake's user import jobs (bench/fake_aws/import_jobs.py) hold to the rules the
restore relies on, so `bench/benchmark.py --restore --users-via import` measures something
Cognito would allow: a real restore through them, and each rule by itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import BINARY

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import fake_aws  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/cognito-backup-import"
COGNITO, LOGS = "AWSCognitoIdentityProviderService", "Logs_20140328"


def rpc(fake, op: str, target: str = COGNITO, **body) -> tuple[int, dict]:
    request = urllib.request.Request(fake.url + "/", data=json.dumps(body).encode(), method="POST",
                                     headers={"X-Amz-Target": f"{target}.{op}", "Content-Type": "application/x-amz-json-1.1"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ok(fake, op: str, target: str = COGNITO, **body) -> dict:
    status, answer = rpc(fake, op, target, **body)
    assert status == 200, (op, answer)
    return answer


def put(url: str, body: bytes, **headers: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method="PUT", headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


KMS = {"x-amz-server-side-encryption": "aws:kms"}


@pytest.fixture
def fake():
    server = fake_aws.start(users=120, groups=3, members_per_group=10, latency_ms=0, import_rate=2000, import_pending_s=0,
                            quotas={"UserList": 1000, "UserUpdate": 1000})
    yield server
    server.stop()


@pytest.fixture
def pool(fake) -> str:
    return ok(fake, "CreateUserPool", PoolName="imports", AutoVerifiedAttributes=["email"],
              Schema=[{"Name": "tenant", "AttributeDataType": "String"}])["UserPool"]["Id"]


def csv(fake, pool: str, rows: list[dict[str, str]], drop: str | None = None) -> bytes:
    columns = [c for c in ok(fake, "GetCSVHeader", UserPoolId=pool)["CSVHeader"] if c != drop]
    return ("\n".join([",".join(columns)] + [",".join(row.get(c, "") for c in columns) for row in rows]) + "\n").encode()


def user(name: str, verified: str = "true") -> dict[str, str]:
    return {"cognito:username": name, "cognito:mfa_enabled": "false", "email": f"{name}@example.com", "email_verified": verified}


def create_job(fake, pool: str, name: str = "job") -> dict:
    return ok(fake, "CreateUserImportJob", UserPoolId=pool, JobName=name, CloudWatchLogsRoleArn=ROLE)["UserImportJob"]


def wait(fake, pool: str, job_id: str) -> dict:
    for _ in range(400):
        job = ok(fake, "DescribeUserImportJob", UserPoolId=pool, JobId=job_id)["UserImportJob"]
        if job["Status"] in ("Succeeded", "Failed", "Stopped", "Expired"):
            return job
        time.sleep(0.025)
    raise AssertionError(f"job {job_id} did not end: {job}")


def run_job(fake, pool: str, body: bytes, name: str = "job") -> dict:
    job = create_job(fake, pool, name)
    assert put(job["PreSignedUrl"], body, **KMS) == 200
    ok(fake, "StartUserImportJob", UserPoolId=pool, JobId=job["JobId"])
    return wait(fake, pool, job["JobId"])


def log(fake, pool: str, job: dict) -> list[str]:
    events = ok(fake, "FilterLogEvents", LOGS, logGroupName=f"/aws/cognito/userpools/{pool}/imports",
                logStreamNames=[f"{job['JobId']}/{job['JobName']}"])["events"]
    return [event["message"] for event in events]


def test_a_restore_via_import_against_the_bench_fake_bills_only_the_group_members_and_a_rerun_imports_nobody(fake, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=fake.url, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_EC2_METADATA_DISABLED="true")

    def binary(*args: str) -> dict:
        result = subprocess.run([BINARY, *args, "--json"], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    [record] = binary("backup", "--pool-id", fake_aws.BENCH_POOL_ID, "--bucket", "bench", "--table", "bench")["backups"]
    restore = ("restore", "--source", f"s3://bench/{record['s3_key']}", "--users-via", "import", "--import-role-arn", ROLE,
               "--mapping-file", str(tmp_path / "mapping.json"))
    summary = binary(*restore, "--create-pool", "--pool-name", "imports")

    target = fake.cognito.pools[summary["target_pool_id"]]
    requests = fake.stats()["requests"]
    assert summary["complete"] and summary["users_imported"] == 120
    assert requests.get("cognito-idp:AdminCreateUser", 0) == 0
    assert {target.get_user(f"user-{i:06d}")["UserStatus"] for i in range(1, 121)} == {"RESET_REQUIRED"}
    # Only membership changes bill an imported user here: 3 groups of 10 distinct members.
    assert summary["billed_users"] == 30 == requests["cognito-idp:AdminAddUserToGroup"]
    assert requests["s3:PutObject (import job URL)"] == 1
    [job] = fake.stats()["import_jobs"]
    assert (job["Status"], job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == ("Succeeded", 120, 0, 0)

    again = binary(*restore, "--target-pool-id", target.id)
    after = fake.stats()["requests"]
    assert again["complete"] and again["counts"]["users"]["created"] == 0
    assert after["cognito-idp:CreateUserImportJob"] == 1 and after.get("cognito-idp:AdminCreateUser", 0) == 0


def test_the_upload_needs_the_kms_header_no_signature_and_an_unexpired_url(fake, pool):
    job = create_job(fake, pool)
    body = csv(fake, pool, [user("ann")])
    assert put(job["PreSignedUrl"], body) == 403
    assert put(job["PreSignedUrl"], body, Authorization="AWS4-HMAC-SHA256 Credential=x", **KMS) == 400
    assert put(job["PreSignedUrl"].replace("Signature=", "Signature=0"), body, **KMS) == 403
    status, refused = rpc(fake, "StartUserImportJob", UserPoolId=pool, JobId=job["JobId"])
    # Nothing was uploaded: the job starts and fails on the missing file.
    assert status == 200 and wait(fake, pool, job["JobId"])["Status"] == "Failed"

    fake.cognito.import_model.url_lifetime_s = 0.2
    late = create_job(fake, pool, "late")
    time.sleep(0.3)
    assert put(late["PreSignedUrl"], body, **KMS) == 403
    assert ok(fake, "DescribeUserImportJob", UserPoolId=pool, JobId=late["JobId"])["UserImportJob"]["Status"] == "Expired"


def test_lines_are_imported_skipped_or_failed_by_the_rules_and_logged_by_line_number(fake, pool):
    ok(fake, "AdminCreateUser", UserPoolId=pool, Username="bob")
    rows = [user("ann"), user("bob"), user("cid", verified="false"), {**user("dee"), "name": "Dee\\, Jr"}, {"cognito:username": "eve"}]
    job = run_job(fake, pool, csv(fake, pool, rows))

    assert (job["Status"], job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == ("Succeeded", 2, 1, 2)
    assert [line.split(" - ")[0] for line in log(fake, pool, job)] == [
        "[SUCCEEDED] Line Number 2", "[SKIPPED] Line Number 3", "[FAILED] Line Number 4",
        "[SUCCEEDED] Line Number 5", "[FAILED] Line Number 6"]
    dee = fake.cognito.pools[pool].get_user("dee")
    assert dee["UserStatus"] == "RESET_REQUIRED"
    assert {a["Name"]: a["Value"] for a in dee["Attributes"]}["name"] == "Dee, Jr"
    assert fake.cognito.pools[pool].get_user("bob")["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_a_header_without_every_column_fails_the_job(fake, pool):
    job = run_job(fake, pool, csv(fake, pool, [user("ann")], drop="custom:tenant"))
    assert job["Status"] == "Failed" and "custom:tenant" in job["CompletionMessage"]
    assert fake.cognito.pools[pool].get_user("ann") is None


def test_one_active_job_per_account_at_the_modelled_rate_and_a_stop_stops_it(fake, pool):
    fake.cognito.import_model.rate = 100.0
    rows = [user(f"u{i:03}") for i in range(300)]
    first = create_job(fake, pool, "first")
    assert put(first["PreSignedUrl"], csv(fake, pool, rows), **KMS) == 200
    second = create_job(fake, pool, "second")
    ok(fake, "StartUserImportJob", UserPoolId=pool, JobId=first["JobId"])

    status, refused = rpc(fake, "StartUserImportJob", UserPoolId=pool, JobId=second["JobId"])
    assert (status, refused["__type"]) == (400, "PreconditionNotMetException")
    time.sleep(1.0)
    running = ok(fake, "DescribeUserImportJob", UserPoolId=pool, JobId=first["JobId"])["UserImportJob"]
    # 100 users a second: about 100 after one second, never the 300 at once.
    assert running["Status"] == "InProgress" and 50 <= running["ImportedUsers"] <= 150
    ok(fake, "StopUserImportJob", UserPoolId=pool, JobId=first["JobId"])
    stopped = wait(fake, pool, first["JobId"])
    assert stopped["Status"] == "Stopped" and stopped["ImportedUsers"] < 300
    status, refused = rpc(fake, "StopUserImportJob", UserPoolId=pool, JobId=first["JobId"])
    assert (status, refused["__type"]) == (400, "InvalidParameterException")


def test_list_user_import_jobs_pages_and_validates(fake, pool):
    names = [f"job {i}" for i in range(3)]
    for name in names:
        create_job(fake, pool, name)
    status, refused = rpc(fake, "ListUserImportJobs", UserPoolId=pool)
    assert (status, refused["__type"]) == (400, "InvalidParameterException")
    first = ok(fake, "ListUserImportJobs", UserPoolId=pool, MaxResults=2)
    rest = ok(fake, "ListUserImportJobs", UserPoolId=pool, MaxResults=2, PaginationToken=first["PaginationToken"])
    assert [j["JobName"] for j in first["UserImportJobs"] + rest["UserImportJobs"]] == names and "PaginationToken" not in rest
    status, refused = rpc(fake, "CreateUserImportJob", UserPoolId=pool, JobName="bad/name", CloudWatchLogsRoleArn=ROLE)
    assert (status, refused["__type"]) == (400, "InvalidParameterException")

"""The user import job emulation (tests/support/import_jobs.py) holds to AWS's rules, so the
restore's tests against it prove something about Cognito."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from support import import_jobs

ROLE = "arn:aws:iam::123456789012:role/import"


@pytest.fixture
def idp(aws):
    return aws.client("cognito-idp")


@pytest.fixture
def pool(idp):
    return idp.create_user_pool(PoolName="imports", AutoVerifiedAttributes=["email"],
                                Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]


def put(url: str, body: bytes, encryption: str | None = "aws:kms", authorization: str | None = None) -> int:
    headers = {"Content-Type": "text/csv"}
    if encryption:
        headers["x-amz-server-side-encryption"] = encryption
    if authorization:
        headers["Authorization"] = authorization
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method="PUT", headers=headers)) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def csv(idp, pool: str, rows: list[dict[str, str]], columns: list[str] | None = None) -> bytes:
    columns = columns or idp.get_csv_header(UserPoolId=pool)["CSVHeader"]
    lines = [",".join(columns)] + [",".join(row.get(c, "") for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def user(username: str, **extra: str) -> dict[str, str]:
    return {"cognito:username": username, "cognito:mfa_enabled": "false", "email": f"{username}@example.com", "email_verified": "true", **extra}


def run_job(idp, pool: str, body: bytes, name: str = "job") -> dict:
    job = idp.create_user_import_job(UserPoolId=pool, JobName=name, CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    assert put(job["PreSignedUrl"], body) == 200
    idp.start_user_import_job(UserPoolId=pool, JobId=job["JobId"])
    return wait(idp, pool, job["JobId"])


def wait(idp, pool: str, job_id: str) -> dict:
    for _ in range(200):
        job = idp.describe_user_import_job(UserPoolId=pool, JobId=job_id)["UserImportJob"]
        if job["Status"] in ("Succeeded", "Failed", "Stopped", "Expired"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never ended")


def log_lines(aws, pool: str, job: dict) -> list[str]:
    events = aws.client("logs").filter_log_events(logGroupName=f"/aws/cognito/userpools/{pool}/imports",
                                                  logStreamNames=[f"{job['JobId']}/{job['JobName']}"])["events"]
    return [event["message"] for event in events]


def test_header_in_any_order_imports_users_reset_required_and_logs_each_line(aws, idp, pool):
    columns = list(reversed(idp.get_csv_header(UserPoolId=pool)["CSVHeader"]))
    assert "custom:tenant" in columns and "cognito:username" in columns
    idp.admin_create_user(UserPoolId=pool, Username="there", MessageAction="SUPPRESS")
    rows = [user("ann", **{"custom:tenant": r"a\,b\c"}), user("there"), user("nov", email_verified="false")]

    job = run_job(idp, pool, csv(idp, pool, rows, columns))

    assert (job["Status"], job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == ("Succeeded", 1, 1, 1)
    ann = idp.admin_get_user(UserPoolId=pool, Username="ann")
    assert ann["UserStatus"] == "RESET_REQUIRED"
    assert {a["Name"]: a["Value"] for a in ann["UserAttributes"]}["custom:tenant"] == "a,b\\c"
    lines = log_lines(aws, pool, job)
    assert lines[0].startswith("[SUCCEEDED] Line Number 2 - ")
    assert lines[1] == "[SKIPPED] Line Number 3 - The user already exists."
    assert lines[2].startswith("[FAILED] Line Number 4 - ") and "does not set any of the auto verified attributes to true" in lines[2]


def test_a_header_missing_a_column_or_behind_a_bom_fails_the_job(idp, pool):
    columns = idp.get_csv_header(UserPoolId=pool)["CSVHeader"]
    short = run_job(idp, pool, csv(idp, pool, [user("a")], [c for c in columns if c != "locale"]), name="short")
    bom = run_job(idp, pool, b"\xef\xbb\xbf" + csv(idp, pool, [user("b")]), name="bom")

    assert short["Status"] == "Failed" and "locale" in short["CompletionMessage"]
    assert bom["Status"] == "Failed"
    assert idp.list_users(UserPoolId=pool)["Users"] == []


def test_quotes_are_data_and_surrounding_white_space_is_trimmed(idp, pool):
    job = run_job(idp, pool, csv(idp, pool, [user("q", name='"Ann"', nickname="  padded ")]))

    assert job["ImportedUsers"] == 1
    attributes = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool, Username="q")["UserAttributes"]}
    assert attributes["name"] == '"Ann"' and attributes["nickname"] == "padded"


def test_a_line_longer_than_16000_characters_fails_alone(idp, pool):
    job = run_job(idp, pool, csv(idp, pool, [user("long", address="x" * 16_001), user("short")]))

    assert (job["ImportedUsers"], job["FailedUsers"]) == (1, 1)


def test_the_upload_needs_the_kms_header_no_signature_and_an_unexpired_url(idp, pool):
    job = idp.create_user_import_job(UserPoolId=pool, JobName="j", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    body = csv(idp, pool, [user("a")])

    assert put(job["PreSignedUrl"], body, encryption=None) == 403
    assert put(job["PreSignedUrl"], body, authorization="AWS4-HMAC-SHA256 Credential=x") == 400
    import_jobs.settings.url_lifetime = 0.0
    assert put(job["PreSignedUrl"], body) == 403
    assert idp.describe_user_import_job(UserPoolId=pool, JobId=job["JobId"])["UserImportJob"]["Status"] == "Expired"


def test_one_job_is_active_per_account(idp, pool):
    other = idp.create_user_pool(PoolName="other", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    import_jobs.settings.seconds_per_user = 0.5
    first = idp.create_user_import_job(UserPoolId=other, JobName="first", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    assert put(first["PreSignedUrl"], csv(idp, other, [user("a"), user("b")])) == 200
    idp.start_user_import_job(UserPoolId=other, JobId=first["JobId"])
    second = idp.create_user_import_job(UserPoolId=pool, JobName="second", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    assert put(second["PreSignedUrl"], csv(idp, pool, [user("c")])) == 200

    with pytest.raises(idp.exceptions.PreconditionNotMetException):
        idp.start_user_import_job(UserPoolId=pool, JobId=second["JobId"])
    idp.stop_user_import_job(UserPoolId=other, JobId=first["JobId"])
    assert wait(idp, other, first["JobId"])["Status"] == "Stopped"
    idp.start_user_import_job(UserPoolId=pool, JobId=second["JobId"])
    assert wait(idp, pool, second["JobId"])["Status"] == "Succeeded"

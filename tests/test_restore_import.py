"""restore --users-via import: users go in by CSV user import jobs (emulated by
tests/support/import_jobs.py), AdminCreateUser only for those a job cannot take."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import time

import pytest

from support import import_jobs
from support.iam import boto3_client
from test_restore import BINARY, CREDS, DISABLED, USERS, all_users, back_up, build_rich_pool, restore, run

ROLE = "arn:aws:iam::123456789012:role/cognito-backup-import"
# In the rich pool, users whose index is a multiple of 4 have no verified email, the pool's only
# auto-verified attribute: Cognito fails their lines, so they are created one by one.
UNVERIFIED = {f"user{i:03}" for i in range(USERS) if i % 4 == 0}


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def via_import(server, backup, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return restore(server, backup, "--users-via", "import", "--import-role-arn", ROLE, *extra, check=check)


def calls(server, operation: str) -> list[dict]:
    return [json.loads(body or b"{}") for op, body in server.faults.recorded if op == operation]


def test_rich_pool_restored_by_import_verifies_and_creates_only_the_users_a_job_cannot_take(server, idp, tmp_path):
    backup = back_up(server, build_rich_pool(idp), tmp_path)
    server.faults.recording = True

    mapping = tmp_path / "mapping.json"
    args = ("--create-pool", "--pool-name", "imported", "--domain-prefix", "rich-imported", "--mapping-file", str(mapping))
    summary = json.loads(via_import(server, backup, *args).stdout)

    target = summary["target_pool_id"]
    assert summary["complete"], summary["failures"]
    assert summary["counts"]["users"]["created"] == USERS
    assert summary["users_imported"] == USERS - len(UNVERIFIED)
    assert {body["Username"] for body in calls(server, "AdminCreateUser")} == UNVERIFIED
    assert "FAIL" not in run(server, "verify", "--source", str(backup), "--pool-id", target).stdout
    users = {u["Username"]: u for u in all_users(idp, target)}
    assert {name for name, u in users.items() if u["UserStatus"] == "RESET_REQUIRED"} == set(users) - UNVERIFIED
    assert {name for name, u in users.items() if not u["Enabled"]} == DISABLED
    [job] = import_jobs.jobs(target)
    assert (job.status, job.imported, job.failed) == ("Succeeded", USERS - len(UNVERIFIED), 0)
    # The file went to the pre-signed URL unsigned, with the header the URL was signed with.
    assert [(u["encryption"], u["authorization"], u["status"]) for u in import_jobs.uploads()] == [("aws:kms", None, 200)]
    # The mapping comes from the pool's listing: every old sub beside the new one.
    new_subs = {u["Username"]: {a["Name"]: a["Value"] for a in u["Attributes"]}["sub"] for u in users.values()}
    assert {name: entry["new_sub"] for name, entry in json.loads(mapping.read_text())["users"].items()} == new_subs

    server.faults.recorded.clear()
    again = json.loads(via_import(server, backup, *args).stdout)

    assert again["complete"] and again["target_pool_id"] == target
    assert calls(server, "AdminCreateUser") == [] and calls(server, "CreateUserImportJob") == []
    assert again["counts"]["users"]["created"] == 0 and again["counts"]["users"]["skipped"] == USERS


def test_a_lost_create_user_import_job_answer_makes_no_second_job(server, idp, tmp_path):
    backup = back_up(server, build_rich_pool(idp), tmp_path)
    server.faults.add("CreateUserImportJob", "drop")

    summary = json.loads(via_import(server, backup, "--create-pool").stdout)

    assert server.faults.fired["CreateUserImportJob"] == 1
    assert summary["complete"] and summary["users_imported"] == USERS - len(UNVERIFIED)
    assert len(import_jobs.jobs(summary["target_pool_id"])) == 1


def test_another_active_import_job_of_the_account_makes_the_restore_wait(server, idp, tmp_path):
    backup = back_up(server, build_rich_pool(idp), tmp_path)
    other = idp.create_user_pool(PoolName="elsewhere", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    columns = idp.get_csv_header(UserPoolId=other)["CSVHeader"]
    rows = [{"cognito:username": f"o{i}", "cognito:mfa_enabled": "false", "email": f"o{i}@example.com", "email_verified": "true"}
            for i in range(4)]
    body = ("\n".join([",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in rows]) + "\n").encode()
    job = idp.create_user_import_job(UserPoolId=other, JobName="theirs", CloudWatchLogsRoleArn=ROLE)["UserImportJob"]
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(job["PreSignedUrl"], data=body, method="PUT",
                                                  headers={"x-amz-server-side-encryption": "aws:kms"})).close()
    import_jobs.settings.seconds_per_user = 0.75
    idp.start_user_import_job(UserPoolId=other, JobId=job["JobId"])

    summary = json.loads(via_import(server, backup, "--create-pool").stdout)

    theirs = idp.describe_user_import_job(UserPoolId=other, JobId=job["JobId"])["UserImportJob"]
    [ours] = [j for j in import_jobs.jobs(summary["target_pool_id"])]
    assert summary["complete"] and theirs["Status"] == "Succeeded" and ours.status == "Succeeded"
    assert ours.start_date >= theirs["CompletionDate"].replace(tzinfo=None) or ours.start_date >= theirs["CompletionDate"]
    assert server.faults.seen["StartUserImportJob"] >= 2


def test_commas_and_backslashes_in_values_round_trip_through_the_file(server, idp, tmp_path):
    source = idp.create_user_pool(PoolName="escapes", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    values = {"comma": "Smith, Jr.", "backslash": r"C:\Users\ann", "both": r"a\b,c", "quote": 'say "hi"',
              "padded": " padded", "escape-like": "ends with \\"}
    for name, value in values.items():
        idp.admin_create_user(UserPoolId=source, Username=name, MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": value}])
    backup = back_up(server, source, tmp_path)
    server.faults.recording = True

    summary = json.loads(via_import(server, backup, "--create-pool", "--pool-name", "escaped").stdout)

    assert summary["complete"], summary["failures"]
    target = summary["target_pool_id"]
    restored = {u["Username"]: {a["Name"]: a["Value"] for a in u["Attributes"]}["name"] for u in all_users(idp, target)}
    assert restored == values
    # The file carries commas (escaped) and backslashes as they are; quotes, white space Cognito
    # would trim and a trailing backslash go by AdminCreateUser.
    assert {body["Username"] for body in calls(server, "AdminCreateUser")} == {"quote", "padded", "escape-like"}
    assert "FAIL" not in run(server, "verify", "--source", str(backup), "--pool-id", target).stdout


def test_sigint_stops_the_running_import_job_and_a_rerun_finishes(server, idp, tmp_path):
    backup = back_up(server, build_rich_pool(idp), tmp_path)
    import_jobs.settings.seconds_per_user = 0.2
    mapping = tmp_path / "mapping.json"
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([BINARY, "restore", "--source", str(backup), "--create-pool", "--users-via", "import",
                                "--import-role-arn", ROLE, "--domain-prefix", "rich-stopped", "--mapping-file", str(mapping), "--json"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(job.status == "InProgress" for job in import_jobs.jobs()):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    [job] = import_jobs.jobs()
    for _ in range(100):
        if job.status == "Stopped":
            break
        time.sleep(0.05)
    assert job.status == "Stopped" and 0 < job.imported < USERS - len(UNVERIFIED)
    assert json.loads(mapping.read_text())["target_pool_id"] == job.pool_id

    import_jobs.settings.seconds_per_user = 0.0
    summary = json.loads(via_import(server, backup, "--create-pool", "--domain-prefix", "rich-stopped",
                                    "--mapping-file", str(mapping)).stdout)

    assert summary["complete"] and summary["target_pool_id"] == job.pool_id
    assert len(all_users(idp, job.pool_id)) == USERS
    assert "FAIL" not in run(server, "verify", "--source", str(backup), "--pool-id", job.pool_id).stdout


def test_import_without_a_role_is_a_configuration_error(server, idp, tmp_path):
    backup = back_up(server, build_rich_pool(idp), tmp_path)

    result = restore(server, backup, "--create-pool", "--users-via", "import", check=False)

    assert result.returncode == 2 and "--import-role-arn" in result.stderr
    assert idp.list_user_pools(MaxResults=60)["UserPools"] and len(idp.list_user_pools(MaxResults=60)["UserPools"]) == 1


def test_a_plan_of_an_import_runs_no_job_and_counts_what_the_import_then_does(server, idp, tmp_path):
    from test_restore_plan import writes

    backup = back_up(server, build_rich_pool(idp), tmp_path)
    mapping = tmp_path / "mapping.json"
    args = ("--create-pool", "--pool-name", "planned-import", "--mapping-file", str(mapping))
    server.faults.recording = True

    planned = via_import(server, backup, "--plan", *args, check=False)

    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert writes(server.faults.recorded) == [] and not mapping.exists()
    assert import_jobs.uploads() == [] and "GetCSVHeader" not in {op for op, _ in server.faults.recorded}
    report = json.loads(planned.stdout)
    assert report["counts"]["users_imported"]["created"] == USERS - len(UNVERIFIED)
    assert report["counts"]["import_jobs"]["created"] == 1
    # The jobs' own time is in the recovery time, at the pace the plan assumes (AWS publishes none).
    imported = report["counts"]["users_imported"]["created"]
    assert report["import_jobs"] == {"users": imported, "assumed_users_per_second": 30, "seconds": math.ceil(imported / 30)}
    calls_only = max(entry["seconds"] for entry in report["calls"].values())
    assert report["recovery_seconds"]["at_least"] >= calls_only + imported / 30

    server.faults.recorded.clear()
    done = json.loads(via_import(server, backup, *args).stdout)

    assert done["complete"] and done["users_imported"] == report["counts"]["users_imported"]["created"]
    assert done["counts"]["users"] == report["counts"]["users"]
    # Imported users bill nothing by coming in; those created, disabled or given a group do.
    billed = {json.loads(body)["Username"] for op, body in server.faults.recorded
              if op in ("AdminCreateUser", "AdminDisableUser", "AdminAddUserToGroup", "AdminSetUserMFAPreference")}
    assert done["billed_users"] == report["billed_users"] == len(billed) < USERS

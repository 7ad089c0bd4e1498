"""The restore drill end to end: the real binary (CLI and Lambda bootstrap) against moto, from
backups the binary itself wrote. A drill passes on an intact backup, fails on a tampered one,
and in every case leaves no scratch pool behind."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import time

import pytest

from conftest import BINARY
from support import import_jobs
from support.iam import admin_and_restricted_users
from support.pools import rich_pool
from support.template_policy import backup_policy, drill_policy, without_action
from test_backup import backup
from test_lambda import TABLE, function  # noqa: F401 - the fixture

DRILL_TAG = "cognito-backup:drill"
IMPORT_ROLE = "arn:aws:iam::123456789012:role/cognito-backup-import"
# A user without a verified email, the pool's only auto-verified attribute: an import job would
# fail her line, so the drill creates her (and bills her).
UNVERIFIED = "unverified"


def drill(aws, pool: str, *extra: str, credentials: dict | None = None):
    return aws.run("drill", "--pool-id", pool, "--table", TABLE, "--json", *extra, credentials=credentials, timeout=300)


def pool_names(aws) -> list[str]:
    return sorted(p["Name"] for p in aws.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"])


def backed_up(aws, **pool_shape) -> str:
    pool = rich_pool(aws.client("cognito-idp"), **pool_shape)
    aws.make_storage()
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    return pool


def backed_up_with_an_unverified_user(aws, **pool_shape) -> str:
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, **pool_shape)
    cognito.admin_create_user(UserPoolId=pool, Username=UNVERIFIED, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "unverified@example.com"}])
    aws.make_storage()
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    return pool


def tamper(aws, *, manifest_too: bool = False) -> bytes:
    """Changes one user's name in the catalogued object after the backup, and returns its new
    bytes; with `manifest_too` the manifest is rewritten to match, as someone covering their
    tracks would, leaving the row."""
    s3 = aws.client("s3")
    [key] = aws.objects()
    document = json.loads(s3.get_object(Bucket="backups", Key=key)["Body"].read())
    document["users"][0]["Attributes"].append({"Name": "custom:tenant", "Value": "planted"})
    body = json.dumps(document).encode()
    s3.put_object(Bucket="backups", Key=key, Body=body)
    if manifest_too:
        manifest = aws.manifest(key) | {"size_bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        s3.put_object(Bucket="backups", Key=key + ".manifest.json", Body=json.dumps(manifest).encode())
    return body


def test_a_drill_of_the_rich_pool_passes_reports_each_step_and_leaves_no_pool(aws):
    pool = backed_up(aws)
    result = drill(aws, pool)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True and report["user_pool_id"] == pool
    steps = {s["step"]: s for s in report["steps"]}
    assert list(steps) == ["integrity", "restore", "verify", "cleanup"]
    assert all(s["passed"] for s in steps.values())
    assert report["recovery_time_ms"] == sum(steps[s]["duration_ms"] for s in ("integrity", "restore", "verify"))
    assert report["backup"]["s3_key"] == aws.objects()[0]
    assert len(report["checks"]) >= 18 and all(c["passed"] for c in report["checks"])
    users = next(c for c in report["checks"] if c["check"] == "users")
    assert users["detail"].startswith("75 users")
    assert report["scratch_pool_name"].startswith(f"drill-{pool}-")
    assert steps["cleanup"]["detail"] == f"deleted {report['scratch_pool_id']}"
    assert any("prefix domain customers-auth" in n for n in report["not_drilled"])
    assert pool_names(aws) == ["customers"]


# What AWS counts as making a user active, as the binary's CognitoTier.billedActions lists them.
BILLED = {"AdminCreateUser", "AdminDeleteUser", "AdminGetUser", "AdminUpdateUserAttributes", "AdminDeleteUserAttributes", "AdminAddUserToGroup",
          "AdminRemoveUserFromGroup", "AdminSetUserMFAPreference", "AdminSetUserPassword", "AdminResetUserPassword",
          "AdminLinkProviderForUser", "AdminDisableUser", "AdminEnableUser", "AdminConfirmSignUp", "AdminUserGlobalSignOut"}


def billed_users(recorded: list[tuple[str, bytes]]) -> set[str]:
    """The distinct users the recorded requests billed, by the requests themselves."""
    users = set()
    for operation, body in recorded:
        if operation in BILLED:
            request = json.loads(body)
            users.add(request.get("Username") or request["DestinationUser"]["ProviderAttributeValue"])
    return users


def test_a_default_drill_of_a_pool_larger_than_its_sample_bills_at_most_a_thousand_users_and_passes(aws):
    pool = backed_up(aws, users=1_500, groups=3, big_group_members=120)
    aws.server.faults.recording = True
    result = aws.run("drill", "--pool-id", pool, "--table", TABLE, "--json", timeout=600,
                     env=aws.env(COGNITO_TPS_USERCREATION="1000", COGNITO_TPS_USERUPDATE="1000", COGNITO_TPS_USERLIST="1000"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    billed = billed_users(aws.server.faults.recorded)
    assert report["passed"] and report["users_in_backup"] == 1_500 and report["users_checked"] == 1_000
    assert len(billed) == report["billed_users"] == 1_000
    assert report["tier"] == "ESSENTIALS" and report["billed_cost_usd"] == 15.0
    # The sample: the file's first and last users, a disabled user, a member of every group.
    in_file = json.loads(aws.client("s3").get_object(Bucket="backups", Key=aws.objects()[0])["Body"].read())["users"]
    assert {in_file[0]["Username"], in_file[-1]["Username"]} <= billed
    assert any(not user["Enabled"] and user["Username"] in billed for user in in_file)
    assert report["groups_not_represented"] == 0
    users = next(c for c in report["checks"] if c["check"] == "users")
    assert users["passed"] and users["detail"].startswith("1000 users")
    assert pool_names(aws) == ["customers"]


def test_a_drill_of_every_user_bills_every_user(aws):
    pool = backed_up(aws, users=12, groups=2, big_group_members=3)
    aws.server.faults.recording = True
    result = drill(aws, pool, "--users", "all")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["users_checked"] == 12 and len(billed_users(aws.server.faults.recorded)) == report["billed_users"] == 12
    # Without an import role the report says why it billed everyone.
    assert report["users_via"] == "create" and report["users_imported"] == 0
    assert any("no import role was given" in warning for warning in report["warnings"]), report["warnings"]
    small = drill(aws, pool, "--users", "5")
    assert json.loads(small.stdout)["users_checked"] == 5, small.stdout + small.stderr
    wrong = drill(aws, pool, "--users", "none")
    assert wrong.returncode == 2 and "--users must be a number of users above 0 or all, not 'none'" in wrong.stderr


def test_a_drill_of_every_user_with_an_import_role_imports_them_and_creates_only_those_a_job_cannot_take(aws):
    pool = backed_up_with_an_unverified_user(aws, users=12, groups=2, big_group_members=3)
    aws.server.faults.recording = True
    result = drill(aws, pool, "--users", "all", "--import-role-arn", IMPORT_ROLE)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    recorded = aws.server.faults.recorded

    assert report["passed"] and report["users_checked"] == report["users_in_backup"] == 13
    assert (report["users_via"], report["users_imported"]) == ("import", 12)
    assert [json.loads(body)["Username"] for op, body in recorded if op == "AdminCreateUser"] == [UNVERIFIED]
    [job] = [job for job in import_jobs.jobs() if job.pool_id == report["scratch_pool_id"]]
    # The restore keeps her out of the job's file (it knows Cognito would fail her line).
    assert (job.status, job.imported, job.failed, job.role_arn) == ("Succeeded", 12, 0, IMPORT_ROLE)
    # Billed: the user created, and the imported users the drill then disabled or put in a group.
    disabled = {f"user{i:03d}" for i in range(0, 12, 10)}
    grouped = {f"user{i:03d}" for i in range(5)}
    assert billed_users(recorded) == {UNVERIFIED} | disabled | grouped
    assert report["billed_users"] == len({UNVERIFIED} | disabled | grouped)
    assert not any("no import role" in warning for warning in report["warnings"])
    assert pool_names(aws) == ["customers"]
    text = aws.run("drill", "--pool-id", pool, "--table", TABLE, "--users", "all",
                   env=aws.env(BACKUP_IMPORT_ROLE_ARN=IMPORT_ROLE), timeout=300)
    assert text.returncode == 0 and "12 users were imported, billed only if then disabled, grouped or given MFA" in text.stdout, text.stdout


def test_the_text_report_gives_a_verdict_and_a_timed_line_per_step(aws):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    result = aws.run("drill", "--pool-id", pool, "--table", TABLE)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Drill of {pool}: PASSED"
    for step in ("integrity", "restore", "verify", "cleanup"):
        assert any(line.startswith(f"  PASS  {step}") and line.split()[2].endswith("s") for line in lines), step
    assert any(line.startswith("  recovery time (integrity + restore + verify): ") for line in lines)


@pytest.mark.parametrize("manifest_too", [False, True], ids=["object", "object-and-manifest"])
def test_a_backup_changed_after_it_was_catalogued_fails_the_drill_before_any_pool_exists(aws, manifest_too):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    body = tamper(aws, manifest_too=manifest_too)
    result = drill(aws, pool)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is False
    integrity = report["steps"][0]
    assert integrity["step"] == "integrity" and integrity["passed"] is False
    assert ("catalog row" if manifest_too else "does not match") in integrity["detail"]
    # The size and SHA-256 the download measured are the tampered object's, not the row's.
    assert f"{len(body)} bytes with SHA-256 {hashlib.sha256(body).hexdigest()}" in integrity["detail"]
    assert "the drill of" in result.stderr and "failed at integrity" in result.stderr
    assert pool_names(aws) == ["customers"]
    assert "CreateUserPool" not in aws.server.faults.seen


def test_a_drill_whose_restore_fails_still_deletes_its_scratch_pool(aws):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    aws.server.faults.add("AdminAddUserToGroup", "500", times=1000)
    result = drill(aws, pool)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    steps = {s["step"]: s for s in report["steps"]}
    assert steps["restore"]["passed"] is False and "AdminAddUserToGroup" in steps["restore"]["detail"]
    assert steps["cleanup"]["passed"] is True and steps["cleanup"]["detail"].startswith("deleted us-east-1_")
    assert pool_names(aws) == ["customers"]


def test_a_drill_whose_verify_cannot_read_the_scratch_pool_fails_and_still_deletes_it(aws):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    # Only verify's snapshot reads the MFA configuration; the restore sets it.
    aws.server.faults.add("GetUserPoolMfaConfig", "500", times=1000)
    result = drill(aws, pool)
    assert result.returncode == 1, result.stdout + result.stderr
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["restore"]["passed"] is True
    assert steps["verify"]["passed"] is False and "GetUserPoolMfaConfig" in steps["verify"]["detail"]
    assert steps["cleanup"]["passed"] is True
    assert pool_names(aws) == ["customers"]


def test_keep_leaves_the_tagged_scratch_pool_for_inspection(aws):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    result = drill(aws, pool, "--keep")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["kept"] is True
    cognito = aws.client("cognito-idp")
    kept = cognito.describe_user_pool(UserPoolId=report["scratch_pool_id"])["UserPool"]
    assert kept["Name"] == report["scratch_pool_name"] and kept["UserPoolTags"][DRILL_TAG] == "true"
    assert kept["UserPoolTags"]["team"] == "identity"


def test_a_pool_without_a_backup_fails_the_drill_naming_the_table(aws):
    aws.make_storage()
    result = drill(aws, "us-east-1_Nothing1")
    assert result.returncode == 1
    assert f"no backup of us-east-1_Nothing1 in table {TABLE}" in json.loads(result.stdout)["steps"][0]["detail"]


def test_a_drill_without_a_table_is_a_configuration_error(aws):
    result = aws.run("drill", "--pool-id", "us-east-1_X1")
    assert result.returncode == 2 and "--table" in result.stderr


def test_sigint_stops_the_drill_and_its_scratch_pool_is_still_deleted(aws):
    pool = backed_up(aws, users=40, groups=2, big_group_members=2)
    aws.server.faults.add("AdminCreateUser", "delay", seconds=0.2, for_seconds=120)
    process = subprocess.Popen([BINARY, "drill", "--pool-id", pool, "--table", TABLE, "--json"], env=aws.env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(name.startswith("drill-") for name in pool_names(aws)):
        assert time.monotonic() < deadline and process.poll() is None, "the scratch pool never appeared"
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stdout + stderr
    report = json.loads(stdout)
    assert report["passed"] is False and report["steps"][-1]["step"] == "cleanup" and report["steps"][-1]["passed"]
    assert "stopped by SIGINT" in stderr
    assert pool_names(aws) == ["customers"]


def test_sigint_during_a_full_drill_by_import_stops_the_job_and_still_deletes_the_scratch_pool(aws):
    pool = backed_up(aws, users=40, groups=2, big_group_members=2)
    import_jobs.settings.seconds_per_user = 0.2
    process = subprocess.Popen([BINARY, "drill", "--pool-id", pool, "--table", TABLE, "--json", "--users", "all",
                                "--import-role-arn", IMPORT_ROLE], env=aws.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(job.status == "InProgress" for job in import_jobs.jobs()):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stdout + stderr
    report = json.loads(stdout)
    assert report["passed"] is False and report["steps"][-1]["step"] == "cleanup" and report["steps"][-1]["passed"]
    # The drill sent StopUserImportJob before deleting the pool: no job goes on importing into it.
    [job] = import_jobs.jobs()
    for _ in range(100):  # the line in progress when the stop came ends first
        if job.status == "Stopped":
            break
        time.sleep(0.05)
    assert job.stop.is_set() and job.status == "Stopped" and job.imported < 40
    assert pool_names(aws) == ["customers"]


# ----------------------------------------------------------------- the function


DRILL_EVENT = json.dumps({"drill": {}}).encode()


def drill_metrics(runtime) -> list[dict]:
    return [line for line in runtime.log_lines() if "DrillFailed" in line and "_aws" in line]


def test_the_drill_event_drills_every_configured_pool_and_emits_the_metric(aws, function):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    runtime = function([pool])
    kind, response = runtime.invoke(DRILL_EVENT)
    assert kind == "response", response
    body = json.loads(response["body"])
    assert body["message"] == "1 drills passed" and body["drills"][0]["user_pool_id"] == pool
    [metric] = drill_metrics(runtime)
    assert metric["UserPoolId"] == pool and metric["DrillSucceeded"] == 1 and metric["DrillFailed"] == 0
    assert metric["DrillDuration"] > 0
    assert metric["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["UserPoolId"], []]
    assert any(line.get("message") == "drill passed" and line["drill"]["passed"] for line in runtime.log_lines())
    assert pool_names(aws) == ["customers"]
    # The result is recorded where `status` (and DrillOverdue) read it.
    [recorded] = [item for item in aws.metadata() if item["user_pool_id"]["S"] == f"drill#{pool}"]
    assert recorded["passed"] == {"BOOL": True} and recorded["drilled_key"]["S"] == body["drills"][0]["s3_key"]
    status = aws.run("status", "--table", TABLE, "--pool-id", pool, "--drill-max-age", "1d")
    assert status.returncode == 0, status.stdout + status.stderr


def test_the_drill_event_of_every_user_imports_with_the_functions_import_role(aws, function):
    pool = backed_up_with_an_unverified_user(aws, users=6, groups=2, big_group_members=2)
    aws.server.faults.recording = True
    runtime = function([pool], BACKUP_IMPORT_ROLE_ARN=IMPORT_ROLE)
    kind, response = runtime.invoke(json.dumps({"drill": {"users": "all"}}).encode())
    assert kind == "response", response
    [drilled] = json.loads(response["body"])["drills"]
    [logged] = [line["drill"] for line in runtime.log_lines() if line.get("message") == "drill passed"]
    assert (logged["users_via"], logged["users_imported"], logged["users_checked"]) == ("import", 6, 7)
    assert [json.loads(body)["Username"] for op, body in aws.server.faults.recorded if op == "AdminCreateUser"] == [UNVERIFIED]
    # Billed: the user created, and user000 to user004, whom the drill puts in group-01 (user000 also disabled).
    billed = billed_users(aws.server.faults.recorded)
    assert billed == {UNVERIFIED} | {f"user{i:03d}" for i in range(5)}
    assert drilled["billed_users"] == len(billed) == 6
    [metric] = drill_metrics(runtime)
    assert metric["DrillBilledUsers"] == 6
    assert pool_names(aws) == ["customers"]


def test_a_drill_of_a_tampered_backup_fails_the_invocation_with_the_metric_and_leaves_no_pool(aws, function):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    tamper(aws)
    runtime = function([pool])
    kind, error = runtime.invoke(json.dumps({"drill": {"user_pool_ids": [pool]}}).encode())
    assert kind == "error" and error["errorType"] == "DrillFailed", error
    assert f"{pool}: integrity:" in error["errorMessage"]
    [metric] = drill_metrics(runtime)
    assert metric["DrillFailed"] == 1 and metric["DrillSucceeded"] == 0
    assert pool_names(aws) == ["customers"]


@pytest.mark.parametrize("event", [{"drill": []}, {"drill": {"user_pool_ids": []}}, {"drill": {"user_pool_ids": ["not a pool"]}}])
def test_a_malformed_drill_event_is_an_invalid_event(aws, function, event):
    aws.make_storage()
    kind, error = function(["us-east-1_A1"]).invoke(json.dumps(event).encode())
    assert kind == "error" and error["errorType"] == "InvalidEvent", error


# ----------------------------------------------------------------- least privilege


def least_privilege_pool(aws) -> str:
    """Every kind of item the drill's policy covers that moto can round-trip (terms too), and a
    user an import job cannot take (so a drill by import also creates one)."""
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=2, big_group_members=2)
    cognito = aws.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=pool, Username=UNVERIFIED, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "unverified@example.com"}])
    client = cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"][0]["ClientId"]
    cognito.create_terms(UserPoolId=pool, ClientId=client, TermsName="terms-of-use", TermsSource="LINK", Enforcement="NONE",
                         Links={"cognito:default": "https://example.com/terms"})
    aws.make_storage()
    assert backup(aws, pool).returncode == 0
    return pool


def function_role_policy(drill: dict) -> dict:
    """The function role with drills on: CognitoBackupAccess (whose catalog query and object reads
    the drill uses) and the drill policy. CognitoBackupAccess's Cognito statements are left out:
    in IAM they name only the configured pools, never a scratch pool, while moto would widen them
    to every pool."""
    backup = backup_policy("backups", table_name=TABLE)
    kept = [s for s in backup["Statement"] if not any(a.startswith("cognito-idp:") for a in s["Action"])]
    return {"Version": "2012-10-17", "Statement": kept + drill["Statement"]}


def put_policy(aws, admin: dict, policy: dict) -> None:
    aws.client("iam", admin).put_user_policy(UserName="backup", PolicyName="backup-inline", PolicyDocument=json.dumps(policy))


def test_the_drill_policy_is_enough_and_every_action_in_it_is_needed(aws):
    # A drill of every user by import, one of whom a job cannot take: every action of the policy
    # is exercised, the sampled drill's (a subset) and the import's.
    pool = least_privilege_pool(aws)
    policy = function_role_policy(drill_policy())
    admin, restricted = admin_and_restricted_users(aws.url, policy)
    full = ("--users", "all", "--import-role-arn", IMPORT_ROLE)
    aws.server.enforce_auth()
    result = drill(aws, pool, *full, credentials=restricted)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["users_imported"] == 3
    assert drill(aws, pool, credentials=restricted).returncode == 0  # the default, sampled drill

    # Needed only after a lost answer (proven by the test below), when the drill is stopped, or
    # when a job fails a line the restore sent (the log says why; the restore keeps the lines it
    # knows would fail out of the file, so none does here).
    only_on_failure = {"cognito-idp:ListUserPools", "cognito-idp:AdminGetUser", "cognito-idp:ListUserImportJobs",
                       "cognito-idp:StopUserImportJob", "logs:FilterLogEvents"}
    # Restores a backup user's links to external identities. moto shows no link in a user's
    # `identities` (Cognito's only record of one), so a linked user cannot round-trip here: the
    # restore's AdminLinkProviderForUser calls are pinned by tests/test_restore_creates.py and RestoreJobTests.
    # moto checks no iam:PassRole on CreateUserImportJob: test_template.py pins its resource and condition.
    not_in_moto = {"cognito-idp:AdminLinkProviderForUser", "iam:PassRole"}
    needed = sorted({a for s in drill_policy()["Statement"] for a in s["Action"]} - only_on_failure - not_in_moto)
    needed += ["dynamodb:Query", "s3:GetObject"]
    for action in needed:
        put_policy(aws, admin, without_action(policy, action))
        result = drill(aws, pool, *full, credentials=restricted)
        assert result.returncode != 0, f"the drill passed without {action}"
        assert "AccessDenied" in result.stdout + result.stderr, (action, result.stdout[-2000:], result.stderr)
        aws.server.relax_auth()
        leftovers = [name for name in pool_names(aws) if name != "customers"]
        aws.server.enforce_auth()
        # Without DeleteUserPool (or DescribeUserPool, which cleanup reads first) the pool stays: say so, then tidy.
        if action in ("cognito-idp:DeleteUserPool", "cognito-idp:DescribeUserPool"):
            assert "by hand" in result.stdout, action
            aws.server.relax_auth()
            cognito = aws.client("cognito-idp")
            for p in cognito.list_user_pools(MaxResults=60)["UserPools"]:
                if p["Name"].startswith("drill-"):
                    cognito.delete_user_pool(UserPoolId=p["Id"])
            aws.server.enforce_auth()
        else:
            assert leftovers == [], (action, leftovers)
    put_policy(aws, admin, policy)
    assert drill(aws, pool, *full, credentials=restricted).returncode == 0


@pytest.mark.parametrize("action,operation", [
    ("cognito-idp:ListUserPools", "CreateUserPool"),
    ("cognito-idp:AdminGetUser", "AdminCreateUser"),
    ("cognito-idp:ListUserImportJobs", "CreateUserImportJob"),
])
def test_each_lookup_action_is_what_recovers_a_create_whose_answer_was_lost(aws, action, operation):
    pool = backed_up(aws, users=3, groups=2, big_group_members=2)
    policy = function_role_policy(drill_policy())
    admin, restricted = admin_and_restricted_users(aws.url, policy)
    aws.server.faults.add(operation, "drop")
    aws.server.enforce_auth()
    extra = ("--users", "all", "--import-role-arn", IMPORT_ROLE) if operation == "CreateUserImportJob" else ()
    result = drill(aws, pool, *extra, credentials=restricted)
    assert result.returncode == 0, result.stdout + result.stderr
    aws.server.relax_auth()
    assert pool_names(aws) == ["customers"]

    put_policy(aws, admin, without_action(policy, action))
    aws.server.faults.clear()
    aws.server.faults.add(operation, "drop")
    aws.server.enforce_auth()
    result = drill(aws, pool, *extra, credentials=restricted)
    aws.server.relax_auth()
    assert result.returncode == 1 and "AccessDenied" in result.stdout, result.stdout

"""What the function reports about protection and how it hands work on: drill scratch pools kept
out of `*` and tag selections, each pool's share of the UserList quota, each pool's replication
to the DR bucket, and AdminCreateUser backups that coalesce and go on across invocations."""

from __future__ import annotations

import json
import time

from support.pools import rich_pool
from test_lambda import SCHEDULED, emf_records, function  # noqa: F401 - the fixture
from test_selection import admin_create_user_event, backed_up, plan_of_last, small_pool

SCRATCH_TAG = "cognito-backup:drill"


def scratch_pool(aws, source: str, tags: dict[str, str] | None = None) -> str:
    """A pool as a drill leaves it: named after its source, carrying the source's tags and the drill's."""
    return aws.client("cognito-idp").create_user_pool(
        PoolName=f"drill-{source}-20261207T150000Z", UserPoolTags={**(tags or {}), SCRATCH_TAG: "true"})["UserPool"]["Id"]


# ---------------------------------------------------------------- 1. scratch pools

def test_star_passes_over_a_drill_scratch_pool_and_the_plan_names_it(aws, function):
    production = small_pool(aws, "production")
    scratch = scratch_pool(aws, production)
    # The tag decides, not the name: a pool merely named like a scratch pool is protected.
    look_alike = small_pool(aws, "drill-look-alike", {"team": "identity"})
    aws.make_storage()
    runtime = function([], USER_POOL_IDS="*")

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    assert backed_up(response) == sorted([production, look_alike])
    plan = plan_of_last(runtime)
    assert {p["user_pool_id"] for p in plan["pools"]} == {production, look_alike}
    [passed_over] = plan["not_selected"]
    assert passed_over["user_pool_id"] == scratch and SCRATCH_TAG in passed_over["reason"]
    assert not [r for r in emf_records(runtime, "BackupAgeSeconds") if r["UserPoolId"] == scratch]


def test_a_tag_does_not_select_a_scratch_pool_that_copied_it_but_a_listed_scratch_pool_is_backed_up(aws, function):
    tagged = small_pool(aws, "tagged", {"backup": "yes"})
    copied = scratch_pool(aws, tagged, {"backup": "yes"})
    listed = scratch_pool(aws, "kept-on-purpose")
    aws.make_storage()
    runtime = function([listed], BACKUP_POOL_TAGS="backup=yes")

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    assert backed_up(response) == sorted([tagged, listed])
    plan = plan_of_last(runtime)
    assert [p["user_pool_id"] for p in plan["not_selected"]] == [copied]
    assert {p["user_pool_id"]: p["selected_because"] for p in plan["pools"]} == {listed: "listed", tagged: "tag backup=yes"}


def test_with_star_an_admin_create_user_in_a_scratch_pool_is_ignored(aws, function):
    production = small_pool(aws, "production")
    scratch = scratch_pool(aws, production)
    aws.make_storage()
    runtime = function([], USER_POOL_IDS="*")

    kind, response = runtime.invoke(admin_create_user_event(scratch))
    assert kind == "response", response
    body = json.loads(response["body"])
    assert body["backups"] == [] and body["skipped"] == [{"user_pool_id": scratch, "reason": "not configured"}]
    assert "scratch pool" in body["message"]
    kind, response = runtime.invoke(admin_create_user_event(production))
    assert kind == "response" and backed_up(response) == [production], response
    assert [k for k in aws.objects() if scratch in k] == []


# ---------------------------------------------------------------- 2. quota share per pool

def userlist_requests_per_pool(aws) -> dict[str, int]:
    """ListUsers and ListUsersInGroup requests the function sent, by the pool each named."""
    counts: dict[str, int] = {}
    for operation, body in aws.server.faults.recorded:
        if operation in ("ListUsers", "ListUsersInGroup"):
            pool = json.loads(body)["UserPoolId"]
            counts[pool] = counts.get(pool, 0) + 1
    return counts


def test_each_pool_reports_the_userlist_requests_its_backup_made_and_the_share_of_the_quota_they_took(aws, function):
    cognito = aws.client("cognito-idp")
    big = rich_pool(cognito, users=300, groups=2, big_group_members=70, name="big")
    small = rich_pool(cognito, users=2, groups=1, big_group_members=1, name="small")
    aws.make_storage()
    # 10 requests/s, a third of the account's 30: a pool's measured share cannot be much more.
    runtime = function([big, small], COGNITO_TPS_USERLIST="10")
    aws.server.faults.recording = True

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    sent = userlist_requests_per_pool(aws)
    records = {r["UserPoolId"]: r for r in emf_records(runtime, "UserListRequests")}
    assert {pool: r["UserListRequests"] for pool, r in records.items()} == sent
    assert sent[big] >= 18, "a probe, 16 prefix streams and the groups' pages"
    for pool, record in records.items():
        [directive] = record["_aws"]["CloudWatchMetrics"]
        assert directive["Dimensions"] == [["UserPoolId"]]
        assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {"UserListRequests": "Count", "UserListQuotaShare": "None"}
    # Paced at 10/s (one request free at the start), the big pool's share is about a third.
    assert 0.1 < records[big]["UserListQuotaShare"] <= 10 / 30 * 1.15, records[big]
    # The run-wide share stays, without dimension: the plan's, over the schedule's hour.
    [run_wide] = [r for r in emf_records(runtime, "UserListQuotaShare") if "UserPoolId" not in r]
    assert run_wide["UserListQuotaShare"] < records[big]["UserListQuotaShare"]


# ---------------------------------------------------------------- 3. replication per pool

DR_BUCKET_ARN = "arn:aws:s3:::cognito-backup-dr"


def an_hour_old_backup(aws, pool: str) -> str:
    """A catalogued backup of an hour ago (written in one second), its object in the bucket."""
    from test_lambda import a_past_backup
    a_past_backup(aws, pool, duration_ms=1_000)
    key = f"cognito-backup/earlier/{pool}.json"
    aws.client("s3").put_object(Bucket="backups", Key=key, Body=b"{}")
    return key


def test_each_scheduled_run_reports_how_long_each_pools_newest_backup_has_waited_for_its_dr_copy(aws, function):
    statuses = {"completed": "COMPLETED", "pending": "PENDING", "failed": "FAILED", "uncovered": None, "missing": None}
    pools = {name: small_pool(aws, name, {}) for name in statuses}
    aws.make_storage()
    for name, status in statuses.items():
        if name != "missing":  # catalogued, but its object is gone: HEAD answers 404
            an_hour_old_backup(aws, pools[name])
        else:
            from test_lambda import a_past_backup
            a_past_backup(aws, pools[name], duration_ms=1_000)
        if status:
            aws.server.faults.add_answer_headers("HeadObject", pools[name], {"x-amz-replication-status": status})
    runtime = function(list(pools.values()), BACKUP_DR_BUCKET_ARN=DR_BUCKET_ARN)

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    records = {r["UserPoolId"]: r for r in emf_records(runtime, "ReplicationPendingSeconds")}
    assert set(records) == set(pools.values())
    by_name = {name: (records[pools[name]]["ReplicationPendingSeconds"], records[pools[name]]["ReplicationFailed"]) for name in pools}
    assert by_name["completed"] == (0, 0)
    for name, failed in (("pending", 0), ("failed", 1), ("uncovered", 1), ("missing", 1)):
        pending, reported_failed = by_name[name]
        assert 3_590 <= pending <= 3_700 and reported_failed == failed, (name, by_name[name])
    [directive] = records[pools["pending"]]["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["UserPoolId"], []], "per pool, and without dimension for the alarms"
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {"ReplicationPendingSeconds": "Seconds", "ReplicationFailed": "Count"}
    warned = {line["user_pool_id"]: line for line in runtime.log_lines() if line.get("message") == "newest backup not replicated"}
    assert warned[pools["failed"]]["replication_status"] == "FAILED"
    assert warned[pools["uncovered"]]["replication_status"].startswith("none")
    assert pools["completed"] not in warned
    assert [line["user_pool_id"] for line in runtime.log_lines() if line.get("message") == "replication not judged"] == [pools["missing"]]


def test_without_a_dr_bucket_no_replication_is_reported(aws, function):
    pool = small_pool(aws, "plain", {})
    aws.make_storage()
    an_hour_old_backup(aws, pool)
    aws.server.faults.add_answer_headers("HeadObject", pool, {"x-amz-replication-status": "FAILED"})
    runtime = function([pool])

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    assert emf_records(runtime, "BackupAgeSeconds"), "the run judged the pool"
    assert emf_records(runtime, "ReplicationPendingSeconds") == []


def test_a_dr_bucket_that_is_not_an_s3_arn_is_an_init_error(aws, function):
    runtime = function(["us-east-1_A1"], BACKUP_DR_BUCKET_ARN="cognito-backup-dr")
    assert runtime.process.wait(10) != 0
    [init_error] = runtime.api.init_errors
    assert "BACKUP_DR_BUCKET_ARN must be an S3 bucket ARN" in json.loads(init_error["body"])["errorMessage"]


# ---------------------------------------------------------------- 4. the AdminCreateUser hand-off

def a_state_machine(aws) -> str:
    from test_selection import state_machine as create
    return create(aws)


def executions(aws, machine: str) -> list[dict]:
    """Each execution of the machine, oldest first, with its input."""
    sfn = aws.client("stepfunctions")
    listed = sorted(sfn.list_executions(stateMachineArn=machine)["executions"], key=lambda e: e["startDate"])
    return [{**e, "input": json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])} for e in listed]


def near() -> int:
    """A deadline too near for any backup to start: the event hands its pool off."""
    return int(time.time() * 1000) + 5_000


def far() -> int:
    return int(time.time() * 1000) + 120_000


def run_execution(runtime, execution_input: dict) -> tuple[str, object, int]:
    """The template's state machine on `execution_input`, each invocation with time to spare."""
    from support import state_machine
    return state_machine.run(execution_input, lambda payload: runtime.invoke(json.dumps(payload).encode(), deadline_ms=far()))


def test_two_executions_of_a_burst_across_a_window_boundary_make_one_backup(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=2, groups=1, big_group_members=1)
    aws.make_storage()
    machine = a_state_machine(aws)
    interval = 3
    runtime = function([pool], BACKUP_STATE_MACHINE_ARN=machine, BACKUP_MIN_INTERVAL_SECONDS=str(interval))

    kind, first = runtime.invoke(admin_create_user_event(pool), deadline_ms=near())
    assert kind == "response", first
    time.sleep(interval - time.time() % interval + 0.05)  # into the next window
    kind, second = runtime.invoke(admin_create_user_event(pool), deadline_ms=near())
    assert kind == "response", second
    started = executions(aws, machine)
    assert len(started) == 2, "one execution per window"
    for execution in started:
        since = execution["input"]["unless_backed_up_since"]
        window_start = int(execution["name"].rsplit("-", 1)[1]) * interval
        assert since == time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(window_start)), execution

    # Both ran only once the function was free again: the first backs the pool up...
    status, answer, _ = run_execution(runtime, started[0]["input"])
    assert status == "succeeded" and backed_up(answer) == [pool], answer
    # ...and the second finds it backed up since its window began.
    status, answer, _ = run_execution(runtime, started[1]["input"])
    assert status == "succeeded", answer
    body = json.loads(answer["body"])
    assert body["backups"] == [] and "coalesced" in body["skipped"][0]["reason"], body
    assert len(aws.objects()) == 1


def test_an_event_whose_windows_execution_has_ended_counts_as_handed_off(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.make_storage()
    machine = a_state_machine(aws)
    runtime = function([pool], BACKUP_STATE_MACHINE_ARN=machine, BACKUP_MIN_INTERVAL_SECONDS="300")
    if time.time() % 300 > 290:  # both events in one window
        time.sleep(300 - time.time() % 300 + 0.1)

    kind, first = runtime.invoke(admin_create_user_event(pool), deadline_ms=near())
    assert kind == "response", first
    [execution] = executions(aws, machine)
    aws.client("stepfunctions").stop_execution(executionArn=execution["executionArn"])
    aws.server.faults.recording = True
    kind, second = runtime.invoke(admin_create_user_event(pool), deadline_ms=near())

    assert kind == "response", second  # not a failure: the window's execution ran
    [skipped] = json.loads(second["body"])["skipped"]
    assert "started already by an earlier event of this window" in skipped["reason"], skipped
    assert execution["name"] in skipped["reason"]
    assert [op for op, _ in aws.server.faults.recorded].count("StartExecution") == 1, "the refused start is not retried"
    assert len(executions(aws, machine)) == 1 and aws.objects() == []


def test_an_event_backup_that_outlasts_its_estimate_pauses_and_the_state_machine_finishes_it(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=120, groups=1, big_group_members=1)
    aws.make_storage()
    machine = a_state_machine(aws)
    runtime = function([pool], BACKUP_STATE_MACHINE_ARN=machine)
    # The estimate (a few pages at 15/s) fits the 30 s, but Cognito answers ListUsers slowly.
    aws.server.faults.add("ListUsers", "delay", seconds=6, for_seconds=40)

    kind, response = runtime.invoke(admin_create_user_event(pool), deadline_ms=int(time.time() * 1000) + 30_000)

    assert kind == "response", response
    [skipped] = json.loads(response["body"])["skipped"]
    assert "paused at a checkpoint and handed to the state machine" in skipped["reason"], skipped
    [execution] = executions(aws, machine)
    assert execution["name"] in skipped["reason"] and set(execution["input"]) == {"continue"}
    assert [k for k in aws.objects() if not k.endswith(".checkpoint.json")] == [], "nothing stored before it is complete"
    assert [k for k in aws.keys() if k.endswith(".checkpoint.json")], "the checkpoint the execution goes on from"

    aws.server.faults.clear()
    status, answer, invocations = run_execution(runtime, execution["input"])
    assert status == "succeeded", answer
    [stored] = json.loads(answer["body"])["backups"]
    assert stored["user_pool_id"] == pool and stored["user_count"] == 120
    assert not [k for k in aws.keys() if k.endswith(".checkpoint.json")] and aws.open_uploads() == []
    assert [row for row in aws.metadata() if row["backup_date"]["S"] == "lease"] == [], "the lease is released"


def test_a_paused_event_backup_the_state_machine_cannot_take_is_given_up_by_name_and_leaves_nothing(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=120, groups=1, big_group_members=1)
    aws.make_storage()
    machine = a_state_machine(aws)
    runtime = function([pool], BACKUP_STATE_MACHINE_ARN=machine)
    aws.server.faults.add("ListUsers", "delay", seconds=6, for_seconds=40)
    aws.server.faults.add("StartExecution", "500", times=20)

    kind, error = runtime.invoke(admin_create_user_event(pool), deadline_ms=int(time.time() * 1000) + 30_000)

    assert kind == "error" and error["errorType"] == "BackupFailed", error
    assert f"{pool}: InternalErrorException handing the paused backup to the state machine" in error["errorMessage"]
    assert "was abandoned and nothing was stored" in error["errorMessage"]
    aws.assert_nothing_stored()


# ---------------------------------------------------------------- 5. the stack's environment

def test_with_an_environment_every_metric_carries_it_first_in_each_dimension_set(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=2, groups=1, big_group_members=1)
    aws.make_storage()
    runtime = function([pool], BACKUP_ENVIRONMENT="staging")

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    records = [line for line in runtime.log_lines() if "_aws" in line]
    names = {m["Name"] for r in records for m in r["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"PoolsWithoutRecentBackup", "BackupFailed", "UserListQuotaShare", "UserListRequests", "BackupDuration"} <= names
    for record in records:
        [directive] = record["_aws"]["CloudWatchMetrics"]
        assert record["Environment"] == "staging"
        assert directive["Dimensions"] and all(d[0] == "Environment" for d in directive["Dimensions"]), directive
    [protection] = [r for r in records if "PoolsWithoutRecentBackup" in r]
    assert protection["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Environment"]]
    [stored] = [r for r in records if "BackupFailed" in r]
    assert stored["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Environment", "UserPoolId"], ["Environment"]]

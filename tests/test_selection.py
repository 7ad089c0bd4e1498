"""Which pools the function protects: listed ids, every pool of the region (`*`), pools carrying
a tag. `*` and tags are judged at each run, so a pool created after the function was set up is
backed up at its next run."""

from __future__ import annotations

import json
import time

import pytest

from support.pools import rich_pool
from test_lambda import SCHEDULED, TABLE, function, plan_of  # noqa: F401 - the fixture


def small_pool(aws, name: str, tags: dict[str, str] | None = None) -> str:
    return rich_pool(aws.client("cognito-idp"), users=2, groups=1, big_group_members=1, name=name) if tags is None else \
        aws.client("cognito-idp").create_user_pool(PoolName=name, UserPoolTags=tags)["UserPool"]["Id"]


def backed_up(response: dict) -> list[str]:
    return sorted(b["user_pool_id"] for b in json.loads(response["body"])["backups"])


def test_every_pool_is_backed_up_including_one_created_after_the_function_started(aws, function):
    first = small_pool(aws, "first")
    aws.make_storage()
    runtime = function([], USER_POOL_IDS="*")
    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response", response
    assert backed_up(response) == [first]

    later = small_pool(aws, "created-later")
    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response", response
    assert backed_up(response) == sorted([first, later])
    reasons = {p["user_pool_id"]: p["selected_because"] for p in plan_of_last(runtime)["pools"]}
    assert reasons == {first: "every pool (*)", later: "every pool (*)"}


def plan_of_last(runtime) -> dict:
    return [line for line in runtime.log_lines() if line.get("message", "").startswith("quota plan")][-1]


def test_a_tag_selects_the_pools_that_carry_it_and_no_other(aws, function):
    tagged = small_pool(aws, "tagged", {"backup": "yes", "team": "identity"})
    small_pool(aws, "untagged", {"team": "identity"})
    listed = small_pool(aws, "listed")
    aws.make_storage()
    runtime = function([listed], BACKUP_POOL_TAGS="backup=yes,env=prod")

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    assert backed_up(response) == sorted([tagged, listed])
    reasons = {p["user_pool_id"]: p["selected_because"] for p in plan_of(runtime)["pools"]}
    assert reasons == {listed: "listed", tagged: "tag backup=yes"}


def test_an_admin_create_user_event_in_a_tagged_pool_backs_it_up_and_in_another_is_ignored(aws, function):
    tagged = small_pool(aws, "tagged", {"backup": "yes"})
    other = small_pool(aws, "other", {"backup": "no"})
    aws.make_storage()
    runtime = function([], BACKUP_POOL_TAGS="backup=yes")

    def created_in(pool: str) -> dict:
        event = {"source": "aws.cognito-idp", "detail-type": "AWS API Call via CloudTrail",
                 "detail": {"eventName": "AdminCreateUser", "requestParameters": {"userPoolId": pool}}}
        kind, response = runtime.invoke(json.dumps(event).encode())
        assert kind == "response", response
        return json.loads(response["body"])

    assert [b["user_pool_id"] for b in created_in(tagged)["backups"]] == [tagged]
    ignored = created_in(other)
    assert ignored["backups"] == [] and "not one of the configured pools" in ignored["message"]


@pytest.mark.parametrize("tags,message", [("", "nothing is selected"), ("backup", "BACKUP_POOL_TAGS must be key=value pairs")])
def test_a_selection_of_nothing_or_a_malformed_tag_is_an_init_error(aws, function, tags, message):
    runtime = function([], USER_POOL_IDS="", BACKUP_POOL_TAGS=tags)
    assert runtime.process.wait(10) != 0
    [init_error] = runtime.api.init_errors
    assert message in json.loads(init_error["body"])["errorMessage"]


def admin_create_user_event(pool: str) -> bytes:
    return json.dumps({"source": "aws.cognito-idp", "detail-type": "AWS API Call via CloudTrail",
                       "detail": {"eventName": "AdminCreateUser", "requestParameters": {"userPoolId": pool}}}).encode()


def state_machine(aws) -> str:
    role = "arn:aws:iam::123456789012:role/cognito-backup-state-machine"
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    return aws.client("stepfunctions").create_state_machine(name="cognito-backup-test", definition=json.dumps(definition),
                                                             roleArn=role)["stateMachineArn"]


def test_an_event_for_a_pool_too_large_for_the_invocation_hands_it_to_the_state_machine_once(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.make_storage()
    machine = state_machine(aws)
    runtime = function([pool], BACKUP_STATE_MACHINE_ARN=machine)
    deadline = lambda: int(time.time() * 1000) + 5_000  # noqa: E731 - too near for any backup to start

    kind, response = runtime.invoke(admin_create_user_event(pool), deadline_ms=deadline())
    assert kind == "response", response
    [skipped] = json.loads(response["body"])["skipped"]
    assert "handed to the state machine" in skipped["reason"]
    again_kind, again = runtime.invoke(admin_create_user_event(pool), deadline_ms=deadline())
    assert again_kind == "response" and json.loads(again["body"])["skipped"][0]["reason"] == skipped["reason"]

    [execution] = aws.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    described = aws.client("stepfunctions").describe_execution(executionArn=execution["executionArn"])
    window = int(execution["name"].removeprefix(f"event-{pool}-"))
    # The window's start (300 s by default): a pool backed up since is skipped by the execution.
    since = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(window * 300))
    assert json.loads(described["input"]) == {"resumable": True, "user_pool_ids": [pool], "unless_backed_up_since": since}
    assert aws.objects() == [], "the function itself stored nothing: the state machine backs the pool up"


def test_without_a_state_machine_such_an_event_still_fails_by_name(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.make_storage()
    kind, error = function([pool]).invoke(admin_create_user_event(pool), deadline_ms=int(time.time() * 1000) + 5_000)
    assert kind == "error" and f"{pool}: not started" in error["errorMessage"]


def protection(runtime) -> list[dict]:
    return [line for line in runtime.log_lines() if "PoolsWithoutRecentBackup" in line]


def test_each_scheduled_run_counts_the_pools_without_a_recent_backup_or_drill(aws, function):
    from test_lambda import a_past_backup, emf_records
    fresh, stale = small_pool(aws, "fresh"), small_pool(aws, "stale")
    aws.make_storage()
    a_past_backup(aws, stale, duration_ms=1_000)  # an hour ago, older than the 30-minute RPO
    runtime = function([fresh, stale], BACKUP_RPO_MINUTES="30", BACKUP_DRILL_MAX_AGE_DAYS="7")

    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response", response
    [first] = protection(runtime)
    assert first["PoolsWithoutRecentBackup"] == 2 and first["DrillOverdue"] == 2
    assert first["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    [age] = emf_records(runtime, "BackupAgeSeconds")
    assert age["UserPoolId"] == stale and 3_500 < age["BackupAgeSeconds"] < 3_700

    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response", response
    second = protection(runtime)[-1]
    assert second["PoolsWithoutRecentBackup"] == 0 and second["DrillOverdue"] == 2
    assert {r["UserPoolId"] for r in emf_records(runtime, "BackupAgeSeconds")} == {fresh, stale}


def test_without_drills_judged_no_drill_metric_is_emitted(aws, function):
    pool = small_pool(aws, "plain")
    aws.make_storage()
    runtime = function([pool])
    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response", response
    [record] = protection(runtime)
    assert record["PoolsWithoutRecentBackup"] == 1 and "DrillOverdue" not in record


def test_with_star_the_template_policy_lets_the_function_find_and_back_up_every_pool_and_needs_list_user_pools(aws, function):
    from support.iam import admin_and_restricted_users
    from support.template_policy import backup_policy, without_action
    pool = small_pool(aws, "found")
    aws.make_storage()
    policy = backup_policy("backups", table_name=TABLE, parameters={"UserPoolIds": "*"})
    admin, restricted = admin_and_restricted_users(aws.url, policy)
    aws.server.enforce_auth()
    runtime = function([], restricted, USER_POOL_IDS="*")

    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response", response
    assert backed_up(response) == [pool]

    aws.client("iam", admin).put_user_policy(UserName="backup", PolicyName="backup-inline",
                                             PolicyDocument=json.dumps(without_action(policy, "cognito-idp:ListUserPools")))
    kind, error = runtime.invoke(SCHEDULED)
    assert kind == "error" and "AccessDenied" in error["errorMessage"] and "SelectionFailed" in json.dumps(error), error

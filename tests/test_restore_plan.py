"""`restore --plan`: the restore rehearsed against the real target with every write held back.
It writes nothing anywhere, and what it counts is what the restore then does."""

from __future__ import annotations

import json

from test_restore import idp, restore, run, source  # noqa: F401 - fixtures

READS = ("List", "Describe", "Get", "Head")


def writes(recorded: list[tuple[str, bytes]]) -> list[str]:
    """Every recorded request that changes something: Cognito, S3 and DynamoDB alike."""
    return [op for op, _ in recorded if not op.startswith(READS) and op not in ("AdminGetUser", "AdminListGroupsForUser", "Query", "Scan")]


def plan(server, backup, *extra: str):
    return restore(server, backup, "--plan", *extra, check=False)


def test_a_plan_into_a_new_pool_writes_nothing_and_counts_what_the_restore_then_does(server, source, tmp_path):
    _, backup = source
    mapping = tmp_path / "mapping.json"
    server.faults.recording = True

    planned = plan(server, backup, "--create-pool", "--pool-name", "planned", "--mapping-file", str(mapping))

    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert writes(server.faults.recorded) == [] and not mapping.exists()
    report = json.loads(planned.stdout)
    assert report["would_go_through"] and report["refusal"] is None
    assert report["counts"]["user_pool"] == {"created": 1, "applied": 0, "skipped": 0, "removed": 0, "failed": 0}
    assert report["calls"]["UserCreation"]["calls"] == report["counts"]["users"]["created"] > 0
    assert report["recovery_seconds"]["at_least"] > 0 and report["tier"] == "ESSENTIALS"

    server.faults.recorded.clear()
    done = json.loads(restore(server, backup, "--create-pool", "--pool-name", "planned", "--mapping-file", str(mapping)).stdout)

    assert done["counts"] == report["counts"]
    assert done["plan"]["counts"] == report["counts"]
    assert done["billed_users"] == report["billed_users"] == done["counts"]["users"]["created"]
    sent = writes(server.faults.recorded)
    assert sent.count("AdminCreateUser") == report["calls"]["UserCreation"]["calls"]
    assert len([op for op in sent if op != "PutObject"]) == report["writes"]


def test_a_plan_of_a_finished_restore_creates_nothing(server, source, tmp_path):
    _, backup = source
    mapping = tmp_path / "mapping.json"
    restore(server, backup, "--create-pool", "--pool-name", "again", "--mapping-file", str(mapping))
    server.faults.recording = True

    report = json.loads(plan(server, backup, "--create-pool", "--pool-name", "again", "--mapping-file", str(mapping)).stdout)

    assert writes(server.faults.recorded) == []
    assert report["target"].endswith("resuming an earlier run")
    assert all(counts["created"] == 0 for counts in report["counts"].values())
    assert report["counts"]["users"]["skipped"] > 0 and report["billed_users"] == 0


def test_a_plan_into_a_pool_that_cannot_take_the_backup_says_why_and_exits_1(server, idp, source):
    _, backup = source
    target = idp.create_user_pool(PoolName="no-custom-attributes")["UserPool"]["Id"]
    server.faults.recording = True

    planned = plan(server, backup, "--target-pool-id", target)

    assert planned.returncode == 1
    assert writes(server.faults.recorded) == []
    report = json.loads(planned.stdout)
    assert not report["would_go_through"] and "custom:level (Number) is missing" in report["refusal"]
    assert "the restore would not go through" in planned.stderr
    assert report["differences"] is None


def test_a_plan_into_a_pool_that_is_not_there_says_so_and_exits_1(server, source):
    _, backup = source
    server.faults.recording = True

    planned = plan(server, backup, "--target-pool-id", "us-east-1_Nowhere00")

    assert planned.returncode == 1, planned.stderr
    assert writes(server.faults.recorded) == []
    report = json.loads(planned.stdout)
    assert not report["would_go_through"] and "ResourceNotFoundException" in report["refusal"]
    assert report["differences"] is None


def test_the_text_plan_names_each_component_the_quota_time_and_the_bill(server, source):
    _, backup = source
    text = run(server, "restore", "--source", str(backup), "--create-pool", "--plan").stdout
    assert "Plan: restore into a new pool" in text and "nothing is written" in text
    assert "UserCreation" in text and "recovery time:" in text and "Billed: $" in text
    assert text.rstrip().endswith("The restore would go through.")


def test_a_real_restore_prints_its_plan_first(server, source):
    _, backup = source
    result = run(server, "restore", "--source", str(backup), "--create-pool", "--pool-name", "with-plan")
    assert result.stderr.index("Plan: restore into") < result.stderr.index("The restore would go through.")
    assert "Restored" in result.stdout

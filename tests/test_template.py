"""Static checks of the CloudFormation templates (template/*.yaml).

cfn-lint and checkov must both be clean; the function's permissions are
pinned to exactly the calls the backup code makes.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Importable however pytest is started (python -m pytest, pytest, from any cwd).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.template_policy import (  # noqa: E402
    BACKUP_TEMPLATE,
    DR_TEMPLATE,
    REPO,
    all_branches,
    TEMPLATE_DIR,
    Resolver,
    backup_actions,
    backup_policy,
    drill_policy,
    find_policy,
    load_template,
    without_action,
)

TEMPLATES = [BACKUP_TEMPLATE, DR_TEMPLATE]

EXPECTED_ACTIONS = sorted([
    "cognito-idp:AdminGetUser",  # only with BackupUserMfa on or auto
    "cognito-idp:DescribeUserPool",
    "cognito-idp:GetUserPoolMfaConfig",
    "cognito-idp:ListUsers",
    "cognito-idp:ListGroups",
    "cognito-idp:ListUsersInGroup",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:ListIdentityProviders",
    "cognito-idp:DescribeIdentityProvider",
    "cognito-idp:ListResourceServers",
    "cognito-idp:GetUICustomization",
    "cognito-idp:DescribeRiskConfiguration",
    "cognito-idp:GetLogDeliveryConfiguration",
    "cognito-idp:DescribeManagedLoginBrandingByClient",
    "cognito-idp:ListTerms",
    "cognito-idp:DescribeTerms",
    "cognito-idp:DescribeUserPoolDomain",
    "cognito-idp:ListUserPools",  # only with "*" or PoolSelectionTags
    "s3:PutObject",
    "s3:GetObject",
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:PutObjectTagging",
    "s3:PutObjectRetention",  # only with Object Lock
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:GetLifecycleConfiguration",
    "dynamodb:PutItem",
    "dynamodb:GetItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "kms:GenerateDataKey",
    "kms:Decrypt",
])

FUNCTION_ENV = {
    "USER_POOL_IDS",
    "BACKUP_ENVIRONMENT",
    "BACKUP_DR_BUCKET_ARN",
    "BACKUP_BUCKET",
    "BACKUP_TABLE",
    "BACKUP_KMS_KEY_ID",
    "BACKUP_MIN_INTERVAL_SECONDS",
    "BACKUP_USERLIST_SHARE",
    "BACKUP_USER_MFA",
    "BACKUP_SCHEDULE",
    "BACKUP_POOL_TAGS",
    "BACKUP_RPO_MINUTES",
    "BACKUP_DRILL_MAX_AGE_DAYS",
    "BACKUP_IMPORT_ROLE_ARN",
    "BACKUP_TIER_RETENTION_DAYS",
    "BACKUP_OBJECT_LOCK_MODE",
    "BACKUP_STATE_MACHINE_ARN",
}

# Every optional feature on, so checkov and cfn-lint also see the resources
# and branches that the defaults switch off (checkov drops resources whose
# Condition is false under the parameter defaults).
ALL_FEATURES = {
    "CreateTrail": '"true"',
    "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    "DRKmsKeyArn": "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-666666666666",
    "DRBucketArn": "arn:aws:s3:::cognito-backup-dr-123456789012-us-west-2-prod",
    "DRRegion": "us-west-2",
    "AlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:alarms",
    "DRAccountId": '"210987654321"',
    "ObjectLockMode": "COMPLIANCE",
    "EnableDrills": '"true"',
    "UserPoolIds": '"*"',
    "PoolSelectionTags": "team=identity",
    "RpoMinutes": "120",
}

DR_ALL_FEATURES = {
    "KmsKeyArn": "arn:aws:kms:us-west-2:210987654321:key/11111111-2222-3333-4444-666666666666",
    "ObjectLockMode": "COMPLIANCE",
    "SourceReplicationRoleArn": "arn:aws:iam::123456789012:role/cognito-backup-ReplicationRole-ABC123",
}


def _template_with_defaults(overrides: dict[str, str], template: Path = BACKUP_TEMPLATE) -> str:
    text = template.read_text(encoding="utf-8")
    for param, value in overrides.items():
        pattern = re.compile(r"(\n  %s:\n(?:    .*\n)*?    Default: )[^\n]*" % re.escape(param))
        text, count = pattern.subn(lambda m: m.group(1) + value, text)
        assert count == 1, f"no Default line for {param}"
    return text


@pytest.fixture(scope="module")
def all_features_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("all-features") / "backup.yaml"
    path.write_text(_template_with_defaults(ALL_FEATURES), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def all_features_dr_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("all-features-dr") / "dr.yaml"
    path.write_text(_template_with_defaults(DR_ALL_FEATURES, DR_TEMPLATE), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def backup() -> dict:
    return load_template(BACKUP_TEMPLATE)


def _resources(template: dict, res_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == res_type}


# ----------------------------------------------------------------- linters


def _cfn_lint() -> list[str]:
    exe = shutil.which("cfn-lint")
    if exe:
        return [exe]
    return [sys.executable, "-m", "cfnlint"]


def test_cfn_lint_clean():
    result = subprocess.run(
        [*_cfn_lint(), *map(str, TEMPLATES)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_cfn_lint_clean_with_every_option_on(all_features_template, all_features_dr_template):
    result = subprocess.run(
        [*_cfn_lint(), str(all_features_template), str(all_features_dr_template)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def _find_checkov() -> str | None:
    """$CHECKOV, else checkov on PATH, else the venv scripts/setup.sh makes."""
    tools = Path(os.environ.get("COGNITO_BACKUP_TOOLS") or Path.home() / ".cache" / "cognito-backup-tools")
    venv = tools / "checkov" / "bin" / "checkov"
    return os.environ.get("CHECKOV") or shutil.which("checkov") or (str(venv) if venv.is_file() else None)


def _checkov(*targets: str) -> dict:
    exe = _find_checkov()
    if not exe:
        pytest.fail(
            "checkov is not installed: run scripts/test.sh, which installs it "
            "(or set CHECKOV=/path/to/checkov)."
        )
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")  # no network: skip the guideline download
    result = subprocess.run(
        [exe, *targets, "--framework", "cloudformation", "--skip-download",
         "--output", "json", "--quiet"],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov printed no JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    assert not failed, "checkov failed checks:\n" + "\n".join(
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}" for c in failed
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {
        "passed": sum(r.get("summary", {}).get("passed", 0) for r in reports),
        "skipped": [c for r in reports for c in r.get("results", {}).get("skipped_checks", [])],
    }


def test_checkov_clean():
    outcome = _checkov("-d", str(TEMPLATE_DIR))
    assert outcome["passed"] > 0
    for skip in outcome["skipped"]:
        assert len((skip.get("check_result") or {}).get("suppress_comment") or "") > 20, skip["check_id"]


def test_checkov_clean_with_every_option_on(all_features_template, all_features_dr_template):
    _checkov("-f", str(all_features_template), "-f", str(all_features_dr_template))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_suppression_is_explained(path):
    for logical_id, res in load_template(path)["Resources"].items():
        meta = res.get("Metadata", {})
        for skip in meta.get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip.get("id", "")), (logical_id, skip)
            assert len(skip.get("comment", "").split()) >= 8, (logical_id, skip)
        ignored = meta.get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
        assert not ignored, f"{logical_id}: cfn-lint checks ignored without review: {ignored}"


# ----------------------------------------------------------------- policy


def test_policy_resolves():
    policy = backup_policy("backup-bucket", widen=False)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["WriteBackupObjects"]["Resource"] == "arn:aws:s3:::backup-bucket/cognito-backup/*"
    assert by_sid["BackupMetadata"]["Resource"] == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/cognito-backup-metadata-prod"
    )
    assert by_sid["DescribeUserPoolDomain"]["Resource"] == "*"
    # UserPoolIds' default "" is refused alone (rule SomePoolSelected): the tests' stack lists one id.
    assert by_sid["ReadConfiguredUserPools"]["Resource"] == [POOL_ARN + "us-east-1_EXAMPLE1"]
    assert "ListUserPools" not in by_sid
    assert "UseBackupKmsKey" not in by_sid  # KmsKeyArn defaults to "": no-KMS branch
    assert json.loads(json.dumps(policy)) == policy  # plain JSON, no intrinsics left
    assert "Fn::" not in json.dumps(policy) and "${" not in json.dumps(policy)


def test_policy_widened_for_moto():
    policy = backup_policy("backup-bucket", table_arn_region="eu-west-1", account="111122223333")
    for statement in policy["Statement"]:
        services = {a.split(":")[0] for a in statement["Action"]}
        if services & {"cognito-idp", "dynamodb"}:
            assert statement["Resource"] == "*", statement
        elif statement["Sid"] == "ListBackupObjects":
            assert statement["Resource"] == "arn:aws:s3:::backup-bucket"
        else:
            assert statement["Resource"] == "arn:aws:s3:::backup-bucket/cognito-backup/*"


@pytest.mark.parametrize("count", [1, 3, 10])
def test_pool_arns_are_exact(count):
    ids = [f"eu-west-1_Pool{i}" for i in range(count)]
    policy = backup_policy(
        "b", table_arn_region="eu-west-1", account="111122223333", widen=False,
        parameters={"UserPoolIds": ",".join(ids)},
    )
    pools = next(s for s in policy["Statement"] if s["Sid"] == "ReadConfiguredUserPools")
    assert pools["Resource"] == [
        f"arn:aws:cognito-idp:eu-west-1:111122223333:userpool/{pool_id}" for pool_id in ids
    ]


def test_user_pool_ids_pattern_matches_policy_capacity(backup):
    pattern = backup["Parameters"]["UserPoolIds"]["AllowedPattern"]
    ids = [f"us-east-1_Abc{i}" for i in range(11)]
    assert re.fullmatch(pattern, ids[0])
    assert re.fullmatch(pattern, ",".join(ids[:10]))
    assert not re.fullmatch(pattern, ",".join(ids))  # an 11th id would get no ARN
    assert not re.fullmatch(pattern, "us-east-1_a, us-east-1_b")
    # "*" is every pool and stands alone; empty leaves the selection to PoolSelectionTags.
    assert re.fullmatch(pattern, "*") and re.fullmatch(pattern, "")
    assert not re.fullmatch(pattern, "*,us-east-1_a") and not re.fullmatch(pattern, "us-east-1_*")


def test_kms_branch():
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    policy = backup_policy("b", widen=False, parameters={"KmsKeyArn": key})
    kms = next(s for s in policy["Statement"] if s["Sid"] == "UseBackupKmsKey")
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == key
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_actions_are_exactly_what_the_code_calls():
    assert backup_actions() == EXPECTED_ACTIONS


def test_the_function_may_read_users_in_detail_only_where_the_backups_read_mfa_preferences():
    def grants_admin_get_user(setting: str | None) -> bool:
        parameters = {"BackupUserMfa": setting} if setting else None
        policy = backup_policy("b", widen=False, parameters=parameters)
        return "cognito-idp:AdminGetUser" in [a for s in policy["Statement"] for a in s["Action"]]

    assert not grants_admin_get_user(None)
    assert not grants_admin_get_user("off")
    assert grants_admin_get_user("auto") and grants_admin_get_user("on")


def test_without_action():
    policy = backup_policy("b")
    smaller = without_action(policy, "dynamodb:Query")
    actions = [a for s in smaller["Statement"] for a in s["Action"]]
    assert "dynamodb:Query" not in actions and "dynamodb:PutItem" in actions
    assert "dynamodb:Query" in [a for s in policy["Statement"] for a in s["Action"]]
    only = without_action(policy, "cognito-idp:DescribeUserPoolDomain")
    assert all(s["Sid"] != "DescribeUserPoolDomain" for s in only["Statement"])
    with pytest.raises(ValueError):
        without_action(policy, "s3:GetBucketLocation")


def test_resolved_policy_is_valid_iam():
    moto = pytest.importorskip("moto")
    import boto3

    with moto.mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        for widen in (True, False):
            iam.create_policy(
                PolicyName=f"backup-{widen}",
                PolicyDocument=json.dumps(backup_policy("b", widen=widen)),
            )


def _role_actions(role: dict, key_name: str = "Action") -> list[str]:
    actions = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == key_name:
                    actions.extend(all_branches(value if isinstance(value, list) else [value]))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(role["Properties"].get("Policies", []))
    walk(role["Properties"].get("ManagedPolicyArns", []))
    return actions


def test_roles_have_no_wildcard_action(backup):
    roles = _resources(backup, "AWS::IAM::Role")
    assert {"FunctionRole", "ReplicationRole"} <= set(roles)
    for name, role in roles.items():
        assert "ManagedPolicyArns" not in role["Properties"], name
        actions = _role_actions(role)
        assert actions, name
        for action in actions:
            assert isinstance(action, str) and "*" not in action, (name, action)
        assert not _role_actions(role, "NotAction"), name  # an Allow+NotAction is a wildcard
    # The one policy outside a role: the drill's, which exists only with drills on.
    assert set(_resources(backup, "AWS::IAM::Policy")) == {"DrillPolicy"}
    for action in _role_actions({"Properties": {"Policies": [backup["Resources"]["DrillPolicy"]["Properties"]]}}):
        assert isinstance(action, str) and "*" not in action, action
    assert not _resources(backup, "AWS::IAM::ManagedPolicy")


def test_backup_policy_is_the_function_roles(backup):
    role_id, _ = find_policy(backup)
    assert role_id == "FunctionRole"
    function = backup["Resources"]["BackupFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    other = {p["PolicyName"] for p in backup["Resources"]["FunctionRole"]["Properties"]["Policies"]}
    assert other == {"CognitoBackupAccess", "ContinueEventBackups", "FailureDestination", "FunctionLogs"}


# ----------------------------------------------------------------- function


def test_function_environment(backup):
    function = backup["Resources"]["BackupFunction"]["Properties"]
    variables = function["Environment"]["Variables"]
    assert set(variables) == FUNCTION_ENV
    resolver = Resolver(backup, parameters={"UserPoolIds": "us-east-1_A,us-east-1_B"})
    resolved = resolver.resolve(variables)
    assert resolved == {
        "USER_POOL_IDS": "us-east-1_A,us-east-1_B",
        "BACKUP_BUCKET": "cognito-backup-123456789012-us-east-1-prod",
        "BACKUP_TABLE": "cognito-backup-metadata-prod",
        "BACKUP_KMS_KEY_ID": "",
        "BACKUP_MIN_INTERVAL_SECONDS": "300",
        "BACKUP_USERLIST_SHARE": "0.5",
        "BACKUP_SCHEDULE": "rate(1 hour)",
        "BACKUP_USER_MFA": "off",
        "BACKUP_POOL_TAGS": "",
        "BACKUP_RPO_MINUTES": "",  # the function doubles the schedule's period
        "BACKUP_DRILL_MAX_AGE_DAYS": "",  # drills off: not judged
        "BACKUP_IMPORT_ROLE_ARN": "",  # drills off: nothing imports
        "BACKUP_TIER_RETENTION_DAYS": "hourly=2,daily=35,monthly=366",
        "BACKUP_OBJECT_LOCK_MODE": "",
        "BACKUP_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:cognito-backup-prod",
        "BACKUP_DR_BUCKET_ARN": "",  # no DR: no replication to read
        "BACKUP_ENVIRONMENT": "prod",  # a dimension of every metric
    }
    chosen = Resolver(backup, parameters={
        "PoolSelectionTags": "team=identity,backup=yes", "RpoMinutes": "90", "EnableDrills": "true",
        "DrillMaxAgeDays": "10", "ObjectLockMode": "COMPLIANCE", "HourlyRetentionDays": "3",
        "DailyRetentionDays": "40", "MonthlyRetentionMonths": "24"}).resolve(variables)
    assert chosen["BACKUP_POOL_TAGS"] == "team=identity,backup=yes"
    assert (chosen["BACKUP_RPO_MINUTES"], chosen["BACKUP_DRILL_MAX_AGE_DAYS"]) == ("90", "10")
    # A "users": "all" drill imports with the stack's ImportRole.
    assert chosen["BACKUP_IMPORT_ROLE_ARN"] == Resolver(backup).get_att("ImportRole", "Arn")
    assert chosen["BACKUP_TIER_RETENTION_DAYS"] == "hourly=3,daily=40,monthly=731"
    assert chosen["BACKUP_OBJECT_LOCK_MODE"] == "COMPLIANCE"
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    with_key = Resolver(backup, parameters={"KmsKeyArn": key}).resolve(variables)
    assert with_key["BACKUP_KMS_KEY_ID"] == key


def test_function_settings(backup):
    props = backup["Resources"]["BackupFunction"]["Properties"]
    assert props["Runtime"] == "provided.al2023"
    assert props["Handler"] == "bootstrap"
    assert props["Timeout"] == 900
    # Backups alone keep Cognito's pace on the smallest size; drills (restores) keep more.
    assert Resolver(backup).resolve(props["MemorySize"]) == 128
    assert Resolver(backup, parameters={"EnableDrills": "true"}).resolve(props["MemorySize"]) == 512
    # A very large pool's operator chooses the size; 0 keeps the automatic choice.
    assert int(Resolver(backup, parameters={"FunctionMemoryMB": "1024"}).resolve(props["MemorySize"])) == 1024
    assert Resolver(backup, parameters={"FunctionMemoryMB": "0", "EnableDrills": "true"}).resolve(props["MemorySize"]) == 512
    assert props["Architectures"] == [{"Ref": "Architecture"}]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}
    assert backup["Resources"]["FunctionLogGroup"]["Properties"]["RetentionInDays"] > 0
    assert props["Code"] == {"S3Bucket": {"Ref": "CodeS3Bucket"}, "S3Key": {"Ref": "CodeS3Key"}}
    invoke = backup["Resources"]["FunctionEventInvokeConfig"]["Properties"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}
    assert 0 <= invoke["MaximumRetryAttempts"] <= 2


def test_admin_create_user_rule(backup):
    rule = backup["Resources"]["AdminCreateUserRule"]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.cognito-idp"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["cognito-idp.amazonaws.com"], "eventName": ["AdminCreateUser"]},
    }
    permissions = _resources(backup, "AWS::Lambda::Permission")
    sources = {p["Properties"]["SourceArn"]["Fn::GetAtt"][0] for p in permissions.values()}
    assert sources == {"AdminCreateUserRule", "DrillScheduleRule"}


def test_the_schedule_starts_the_state_machine_which_alone_may_invoke_the_function(backup):
    [target] = backup["Resources"]["ScheduleRule"]["Properties"]["Targets"]
    assert target["Arn"] == {"Ref": "BackupStateMachine"} and json.loads(target["Input"]) == {"resumable": True}
    [start] = backup["Resources"]["ScheduleRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert (start["Action"], start["Resource"]) == ("states:StartExecution", {"Ref": "BackupStateMachine"})
    statements = backup["Resources"]["StateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    on_resources = [s for s in statements if s["Resource"] != "*"]
    assert [(s["Action"], s["Resource"]) for s in on_resources] == [("lambda:InvokeFunction", {"Fn::GetAtt": ["BackupFunction", "Arn"]})]
    # Only log delivery and tracing, which take no resource-level permissions, are on "*".
    assert all(a.split(":")[0] in ("logs", "xray") for s in statements if s["Resource"] == "*" for a in s["Action"])


def test_the_state_machine_loops_while_the_function_answers_continue_and_bounds_the_loop(backup):
    machine = backup["Resources"]["BackupStateMachine"]["Properties"]
    states = machine["Definition"]["States"]
    assert machine["StateMachineType"] == "STANDARD" and machine["Definition"]["TimeoutSeconds"] <= 86400
    assert states["GoOn"]["Parameters"]["Payload"] == {"continue.$": "$.continue"} and states["GoOn"]["Next"] == "Unfinished"
    for task in (states["BackUp"], states["GoOn"]):
        [retry] = task["Retry"]
        assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"] and "States.ALL" not in retry["ErrorEquals"]
    bound = states["Unfinished"]["Choices"][0]
    assert bound["Next"] == "TooManyInvocations" and states["TooManyInvocations"]["Type"] == "Fail"


FAILURE_ALARMS = {"FunctionErrorsAlarm", "BackupFailedAlarm", "StateMachineFailedAlarm",
                  "StateMachineTimedOutAlarm", "DrillFailedAlarm"}


def test_failure_alarms_count_failures_and_no_data_is_no_failure(backup):
    alarms = {a["Properties"]["MetricName"]: a["Properties"] for n, a in _resources(backup, "AWS::CloudWatch::Alarm").items()
              if n in FAILURE_ALARMS}
    assert set(alarms) == {"Errors", "BackupFailed", "ExecutionsFailed", "ExecutionsTimedOut", "DrillFailed"}
    assert alarms["Errors"]["Namespace"] == "AWS/Lambda"
    assert alarms["BackupFailed"]["Namespace"] == "CognitoBackup"
    # The function's records carry the stack's Environment: another stack's failures are not this one's.
    assert Resolver(backup).resolve(alarms["BackupFailed"]["Dimensions"]) == ENVIRONMENT_DIMENSION
    for alarm in alarms.values():
        assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        # That no run happened at all is the protection alarms' job (missing = breaching).
        assert alarm["TreatMissingData"] == "notBreaching"


def test_outputs(backup):
    assert {"BackupBucketName", "FunctionArn", "MetadataTableName"} <= set(backup["Outputs"])
    dr = load_template(DR_TEMPLATE)
    for name in ("DRBucketArn", "DRBucketName"):
        assert "Export" in dr["Outputs"][name]


# ----------------------------------------------------------------- drills and protections

DRILL_TAG = "cognito-backup:drill"  # DrillScratchPool.tagKey


def test_the_drill_policy_schedule_and_alarm_exist_only_with_drills_on(backup):
    drill_resources = {"DrillPolicy", "DrillScheduleRule", "DrillSchedulePermission", "DrillFailedAlarm"}
    for name in drill_resources:
        assert backup["Resources"][name]["Condition"] == "DrillsOn", name
    assert Resolver(backup).condition("DrillsOn") is False
    assert Resolver(backup, parameters={"EnableDrills": "true"}).condition("DrillsOn") is True
    policy = backup["Resources"]["DrillPolicy"]["Properties"]
    assert policy["PolicyName"] == "CognitoBackupDrillAccess" and policy["Roles"] == [{"Ref": "FunctionRole"}]
    rule = Resolver(backup, parameters={"EnableDrills": "true"}).resolve(backup["Resources"]["DrillScheduleRule"]["Properties"])
    assert rule["ScheduleExpression"] == "rate(7 days)"
    assert json.loads(rule["Targets"][0]["Input"]) == {"drill": {"users": "1000"}}
    everyone = Resolver(backup, parameters={"EnableDrills": "true", "DrillUsers": "all"})
    assert json.loads(everyone.resolve(backup["Resources"]["DrillScheduleRule"]["Properties"])["Targets"][0]["Input"]) == {"drill": {"users": "all"}}
    alarm = backup["Resources"]["DrillFailedAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("CognitoBackup", "DrillFailed", "Sum")
    assert Resolver(backup).resolve(alarm["Dimensions"]) == ENVIRONMENT_DIMENSION


def test_the_drill_may_write_and_delete_only_pools_tagged_as_scratch_pools(backup):
    statements = drill_policy(widen=False)["Statement"]
    for statement in statements:
        actions = statement["Action"]
        if actions == ["cognito-idp:CreateUserPool"]:
            # CreateUserPool supports only Resource "*": the request must carry the tag.
            assert statement["Resource"] == "*"
            assert statement["Condition"] == {"StringEquals": {f"aws:RequestTag/{DRILL_TAG}": "true"}}
        elif actions == ["cognito-idp:ListUserPools"]:
            assert statement["Resource"] == "*" and "Condition" not in statement  # read-only, names no pool
        elif actions == ["iam:PassRole"]:
            # The import job's role alone, and only to Cognito.
            assert statement["Resource"] == Resolver(backup).get_att("ImportRole", "Arn")
            assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "cognito-idp.amazonaws.com"}}
        elif actions == ["logs:FilterLogEvents"]:
            # The import jobs' logs only, which Cognito writes under /aws/cognito/userpools/.
            assert statement["Resource"] == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cognito/userpools/*"
        else:
            assert statement["Resource"] == "arn:aws:cognito-idp:us-east-1:123456789012:userpool/*", statement
            assert statement["Condition"] == {"StringEquals": {f"aws:ResourceTag/{DRILL_TAG}": "true"}}
            assert "cognito-idp:DeleteUserPool" in actions
    assert sum(len(s["Action"]) for s in statements) == len({a for s in statements for a in s["Action"]})


def _bucket(template: dict, name: str, **parameters: str) -> dict:
    return Resolver(template, parameters=parameters).resolve(template["Resources"][name]["Properties"])


@pytest.mark.parametrize("path,bucket", [(BACKUP_TEMPLATE, "BackupBucket"), (DR_TEMPLATE, "DRBucket")], ids=["backup", "dr"])
@pytest.mark.parametrize("mode", ["GOVERNANCE", "COMPLIANCE"])
def test_object_lock_keeps_every_version_at_least_the_shortest_tier(path, bucket, mode):
    template = load_template(path)
    locked = _bucket(template, bucket, ObjectLockMode=mode, HourlyRetentionDays="3")
    assert locked["ObjectLockEnabled"] is True
    # The bucket-wide default is the shortest tier; longer tiers are locked per object.
    assert locked["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled",
                                                 "Rule": {"DefaultRetention": {"Mode": mode, "Days": "3"}}}
    assert locked["VersioningConfiguration"] == {"Status": "Enabled"}
    unlocked = _bucket(template, bucket)
    assert "ObjectLockEnabled" not in unlocked and "ObjectLockConfiguration" not in unlocked


def test_cross_account_replication_hands_each_replica_to_the_destination_account(backup):
    dr_arn = "arn:aws:s3:::cognito-backup-dr-210987654321-us-west-2-prod"
    parameters = {"DRBucketArn": dr_arn, "DRRegion": "us-west-2", "DRAccountId": "210987654321"}
    destination = _bucket(backup, "BackupBucket", **parameters)["ReplicationConfiguration"]["Rules"][0]["Destination"]
    assert destination["Bucket"] == dr_arn and destination["Account"] == "210987654321"
    assert destination["AccessControlTranslation"] == {"Owner": "Destination"}
    role = Resolver(backup, parameters=parameters).resolve(backup["Resources"]["ReplicationRole"]["Properties"])
    grants = {a: st["Resource"] for st in role["Policies"][0]["PolicyDocument"]["Statement"] for a in
              (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert grants["s3:ObjectOwnerOverrideToBucketOwner"] == f"{dr_arn}/*"
    same_account = _bucket(backup, "BackupBucket", DRBucketArn=dr_arn, DRRegion="us-west-2")
    assert "Account" not in same_account["ReplicationConfiguration"]["Rules"][0]["Destination"]
    assert "AccessControlTranslation" not in same_account["ReplicationConfiguration"]["Rules"][0]["Destination"]


def test_the_dr_bucket_lets_the_source_role_write_replicas_and_nothing_more():
    dr = load_template(DR_TEMPLATE)
    role = "arn:aws:iam::123456789012:role/cognito-backup-ReplicationRole-ABC123"
    policy = Resolver(dr, account="210987654321", region="us-west-2", parameters={"SourceReplicationRoleArn": role}).resolve(
        dr["Resources"]["DRBucketPolicy"]["Properties"]["PolicyDocument"])
    granted = [st for st in policy["Statement"] if st["Effect"] == "Allow"]
    assert all(st["Principal"] == {"AWS": role} for st in granted)
    actions = sorted(a for st in granted for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]))
    assert actions == ["s3:GetBucketVersioning", "s3:ObjectOwnerOverrideToBucketOwner", "s3:ReplicateObject", "s3:ReplicateTags"]
    same_account = Resolver(dr).resolve(dr["Resources"]["DRBucketPolicy"]["Properties"]["PolicyDocument"])
    assert [st["Effect"] for st in same_account["Statement"]] == ["Deny"]


def test_replication_of_locked_objects_reads_their_retention(backup):
    parameters = {"DRBucketArn": "arn:aws:s3:::dr", "DRRegion": "us-west-2", "ObjectLockMode": "GOVERNANCE"}
    role = Resolver(backup, parameters=parameters).resolve(backup["Resources"]["ReplicationRole"]["Properties"])
    actions = {a for st in role["Policies"][0]["PolicyDocument"]["Statement"] for a in
               (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert {"s3:GetObjectRetention", "s3:GetObjectLegalHold"} <= actions


# ----------------------------------------------------------------- selection (#21)

POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/"


@pytest.mark.parametrize("parameters,lists", [
    ({"UserPoolIds": "us-east-1_A,us-east-1_B"}, False),
    ({"UserPoolIds": "*"}, True),
    ({"UserPoolIds": "", "PoolSelectionTags": "team=identity"}, True),
    ({"UserPoolIds": "us-east-1_A", "PoolSelectionTags": "team=identity,backup=yes"}, True),
], ids=["ids", "star", "tags", "tags-and-ids"])
def test_pools_found_at_run_time_are_listed_and_read_in_the_region_listed_ids_exactly(backup, parameters, lists):
    policy = backup_policy("b", widen=False, parameters=parameters)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    reads = by_sid["ReadConfiguredUserPools"]
    assert "cognito-idp:DescribeUserPool" in reads["Action"]  # reads UserPoolTags for the tag selection
    if lists:
        assert reads["Resource"] == POOL_ARN + "*"
        assert (by_sid["ListUserPools"]["Action"], by_sid["ListUserPools"]["Resource"]) == (["cognito-idp:ListUserPools"], "*")
    else:
        assert reads["Resource"] == [POOL_ARN + "us-east-1_A", POOL_ARN + "us-east-1_B"]
        assert "ListUserPools" not in by_sid
        assert all("cognito-idp:ListUserPools" not in s["Action"] for s in policy["Statement"])
    assert Resolver(backup, parameters=parameters).condition("ListsPools") is lists


def test_a_stack_must_select_some_pool(backup):
    [assertion] = backup["Rules"]["SomePoolSelected"]["Assertions"]
    holds = lambda **p: Resolver(backup, parameters=p).resolve(assertion["Assert"])  # noqa: E731
    assert holds(UserPoolIds="*") and holds(UserPoolIds="", PoolSelectionTags="a=b") and holds(UserPoolIds="us-east-1_A")
    assert not holds(UserPoolIds="", PoolSelectionTags="")


def test_pool_selection_tags_pattern(backup):
    pattern = backup["Parameters"]["PoolSelectionTags"]["AllowedPattern"]
    for good in ("", "team=identity", "team=identity,backup=yes", "env=", "cognito-backup:protect=true"):
        assert re.fullmatch(pattern, good), good
    for bad in ("team", "=x", "a=b,", "a=b=c", ",a=b"):
        assert not re.fullmatch(pattern, bad), bad


def _moto_user_may_list_pools(parameters: dict[str, str]) -> tuple[list[str], dict]:
    """The pools a moto IAM user holding the template's policy for ``parameters`` lists, and one
    pool's tags as DescribeUserPool shows them; IAM is enforced after the setup's 4 calls."""
    moto = pytest.importorskip("moto")
    import boto3
    from botocore.exceptions import ClientError
    from moto.core import set_initial_no_auth_action_count

    @set_initial_no_auth_action_count(4)  # create_user_pool, create_user, put_user_policy, create_access_key
    @moto.mock_aws
    def run():
        pool = boto3.client("cognito-idp", region_name="us-east-1").create_user_pool(
            PoolName="made-after-deployment", UserPoolTags={"team": "identity"})["UserPool"]["Id"]
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_user(UserName="function")
        iam.put_user_policy(UserName="function", PolicyName="CognitoBackupAccess",
                            PolicyDocument=json.dumps(backup_policy("b", parameters=parameters)))
        key = iam.create_access_key(UserName="function")["AccessKey"]
        cognito = boto3.client("cognito-idp", region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                               aws_secret_access_key=key["SecretAccessKey"])
        try:
            listed = [p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]]
        except ClientError as error:
            # moto answers an XML body that botocore's JSON parser leaves in the message.
            assert "AccessDenied" in str(error) and "not authorized to perform: cognito-idp:ListUserPools" in str(error), error
            listed = ["AccessDenied"]
        assert listed == ["AccessDenied"] or listed == [pool]
        return listed, cognito.describe_user_pool(UserPoolId=pool)["UserPool"].get("UserPoolTags", {})

    return run()


@pytest.mark.parametrize("parameters", [{"UserPoolIds": "*"}, {"UserPoolIds": "", "PoolSelectionTags": "team=identity"}],
                         ids=["star", "tags"])
def test_in_moto_iam_the_policy_lists_pools_when_the_selection_needs_it(parameters):
    listed, tags = _moto_user_may_list_pools(parameters)
    assert listed != ["AccessDenied"] and len(listed) == 1
    assert tags == {"team": "identity"}


def test_in_moto_iam_the_policy_for_listed_ids_cannot_list_pools():
    listed, _ = _moto_user_may_list_pools({"UserPoolIds": "us-east-1_A"})
    assert listed == ["AccessDenied"]


def test_an_event_backup_may_start_exactly_the_state_machine_without_a_cycle(backup):
    resolver = Resolver(backup)
    machine_arn = resolver.get_att("BackupStateMachine", "Arn")
    role = backup["Resources"]["FunctionRole"]["Properties"]
    [continuation] = [p for p in role["Policies"] if p["PolicyName"] == "ContinueEventBackups"]
    [statement] = resolver.resolve(continuation["PolicyDocument"])["Statement"]
    assert (statement["Action"], statement["Resource"]) == ("states:StartExecution", machine_arn)
    env = resolver.resolve(backup["Resources"]["BackupFunction"]["Properties"]["Environment"]["Variables"])
    assert env["BACKUP_STATE_MACHINE_ARN"] == machine_arn
    # Built from the name: a Ref or GetAtt of the machine from the role would close a cycle.
    assert "BackupStateMachine" not in json.dumps(role) and "BackupStateMachine" not in json.dumps(
        backup["Resources"]["BackupFunction"])


# ----------------------------------------------------------------- retention tiers (#21)

TIER_TAG = "cognito-backup:tier"


def _longest_run_of_months(months: int) -> int:
    """Days of the longest span of ``months`` calendar months, over a 400-year cycle."""
    import calendar
    import datetime

    longest = 0
    for year in range(2000, 2400):
        for month in range(1, 13):
            start = datetime.date(year, month, 1)
            end_index = month - 1 + months
            end = datetime.date(year + end_index // 12, end_index % 12 + 1, 1)
            longest = max(longest, (end - start).days)
            assert calendar.isleap(2000)
    return longest


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_months_in_days_is_the_longest_run_of_that_many_calendar_months(path):
    template = load_template(path)
    mapping = template["Mappings"]["MonthsInDays"]
    assert sorted(mapping, key=int) == template["Parameters"]["MonthlyRetentionMonths"]["AllowedValues"]
    for months, row in mapping.items():
        assert row["Days"] == _longest_run_of_months(int(months)), months
    assert mapping["12"]["Days"] == 366


def _rules(template: dict, bucket: str, **parameters: str) -> dict[str, dict]:
    return {r["Id"]: r for r in _bucket(template, bucket, **parameters)["LifecycleConfiguration"]["Rules"]}


@pytest.mark.parametrize("path,bucket", [(BACKUP_TEMPLATE, "BackupBucket"), (DR_TEMPLATE, "DRBucket")], ids=["backup", "dr"])
def test_each_tier_expires_by_its_tag_and_untagged_objects_last_as_long_as_the_longest_tier(path, bucket):
    template = load_template(path)
    rules = _rules(template, bucket, HourlyRetentionDays="3", DailyRetentionDays="40", MonthlyRetentionMonths="24")
    for tier, days in (("hourly", "3"), ("daily", "40"), ("monthly", 731)):
        rule = rules[f"expire-{tier}-backups"]
        assert rule["TagFilters"] == [{"Key": TIER_TAG, "Value": tier}] and rule["Status"] == "Enabled"
        assert str(rule["ExpirationInDays"]) == str(days)
        assert str(rule["NoncurrentVersionExpiration"]["NoncurrentDays"]) == str(days)
    # S3 honours the shortest of overlapping expirations and cannot filter on a missing tag:
    # the rule that catches untagged objects matches everything, so it must not be shorter
    # than any tier, or it would cut that tier short.
    untagged = rules["expire-untagged-backups"]
    assert not {"TagFilters", "Prefix", "ObjectSizeGreaterThan", "ObjectSizeLessThan"} & set(untagged)
    assert untagged["ExpirationInDays"] == untagged["NoncurrentVersionExpiration"]["NoncurrentDays"] == 731
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert set(rules) == {"expire-hourly-backups", "expire-daily-backups", "expire-monthly-backups",
                          "expire-untagged-backups", "abort-incomplete-multipart-uploads"}
    assert "RetentionDays" not in template["Parameters"]  # one retention for everything is gone
    defaults = _rules(template, bucket)
    assert [defaults[f"expire-{t}-backups"]["ExpirationInDays"] for t in ("hourly", "daily", "monthly")] == ["2", "35", 366]


def test_replication_copies_the_tier_tag_to_the_dr_bucket(backup):
    role = Resolver(backup, parameters={"DRBucketArn": "arn:aws:s3:::dr", "DRRegion": "us-west-2"}).resolve(
        backup["Resources"]["ReplicationRole"]["Properties"])
    actions = {a for st in role["Policies"][0]["PolicyDocument"]["Statement"] for a in
               (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert {"s3:GetObjectVersionTagging", "s3:ReplicateTags"} <= actions


def test_the_function_may_tag_its_objects_and_lock_them_per_tier_only_with_object_lock():
    plain = {s["Sid"]: s for s in backup_policy("b", widen=False)["Statement"]}
    assert "s3:PutObjectTagging" in plain["WriteBackupObjects"]["Action"]
    # Tiers are judged from the catalog: nothing reads a tag (the function, status and list read the rows), only writes one.
    assert all("s3:GetObjectTagging" not in s["Action"] for s in plain.values())
    assert "LockBackupObjectsPerTier" not in plain
    locked = {s["Sid"]: s for s in backup_policy("b", widen=False, parameters={"ObjectLockMode": "GOVERNANCE"})["Statement"]}
    lock = locked["LockBackupObjectsPerTier"]
    assert (lock["Action"], lock["Resource"]) == (["s3:PutObjectRetention"], "arn:aws:s3:::b/cognito-backup/*")
    # Lengthening only: shortening a GOVERNANCE retention needs BypassGovernanceRetention.
    assert all("s3:BypassGovernanceRetention" not in s["Action"] for s in locked.values())


def test_the_trail_logs_no_longer_refer_to_the_removed_retention(backup):
    rules = _rules(backup, "TrailBucket", CreateTrail="true")
    assert rules["expire-trail-logs"]["ExpirationInDays"] == "35"


# ----------------------------------------------------------------- protection alarms (#21)

ENVIRONMENT_DIMENSION = [{"Name": "Environment", "Value": "prod"}]


def _alarm(backup: dict, name: str, **parameters: str) -> dict:
    return Resolver(backup, parameters=parameters).resolve(backup["Resources"][name]["Properties"])


@pytest.mark.parametrize("name,metric", [("PoolsWithoutRecentBackupAlarm", "PoolsWithoutRecentBackup"),
                                         ("DrillOverdueAlarm", "DrillOverdue")])
def test_protection_alarms_fire_on_any_pool_out_of_policy_and_on_silence(backup, name, metric):
    alarm = _alarm(backup, name, EnableDrills="true", ScheduleAlarmHours="5")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("CognitoBackup", metric, "Maximum")
    assert alarm["Dimensions"] == ENVIRONMENT_DIMENSION  # every pool of this stack, none of another's
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["Period"] == 3600 and alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == "5"
    if metric == "DrillOverdue":
        assert backup["Resources"][name]["Condition"] == "DrillsOn"


def test_an_alarm_fires_when_the_schedule_starts_no_execution(backup):
    alarm = _alarm(backup, "ScheduleNotRunningAlarm")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/States", "ExecutionsStarted", "Sum")
    assert alarm["Dimensions"] == [{"Name": "StateMachineArn",
                                    "Value": "arn:aws:states:us-east-1:123456789012:stateMachine:cognito-backup-prod"}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) == (1, "LessThanThreshold", "breaching")
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == "3"


def test_replication_metrics_are_on_without_replication_time_control(backup):
    parameters = {"DRBucketArn": "arn:aws:s3:::cognito-backup-dr-1-us-west-2-prod", "DRRegion": "us-west-2"}
    [rule] = _bucket(backup, "BackupBucket", **parameters)["ReplicationConfiguration"]["Rules"]
    assert rule["Destination"]["Metrics"] == {"Status": "Enabled"}
    assert "ReplicationTime" not in rule["Destination"]  # RTC bills per GB; metrics alone feed the alarms
    assert rule["Filter"] == {"Prefix": ""}  # metrics need a V2 (filtered) rule
    dimensions = [{"Name": "SourceBucket", "Value": "cognito-backup-123456789012-us-east-1-prod"},
                  {"Name": "DestinationBucket", "Value": "cognito-backup-dr-1-us-west-2-prod"},
                  {"Name": "RuleId", "Value": rule["Id"]}]
    failed = _alarm(backup, "ReplicationFailedAlarm", **parameters)
    assert (failed["Namespace"], failed["MetricName"], failed["Statistic"]) == ("AWS/S3", "OperationsFailedReplication", "Sum")
    assert failed["Dimensions"] == dimensions and failed["Threshold"] == 0
    latency = _alarm(backup, "ReplicationLatencyAlarm", ReplicationLatencyThresholdSeconds="600", **parameters)
    assert (latency["MetricName"], latency["Statistic"]) == ("ReplicationLatency", "Maximum")
    assert latency["Dimensions"] == dimensions and latency["Threshold"] == "600"
    for name in ("ReplicationFailedAlarm", "ReplicationLatencyAlarm"):
        assert backup["Resources"][name]["Condition"] == "HasDR"


def test_with_dr_the_function_reads_each_pools_replication_and_alarms_on_its_failed_or_late_copy(backup):
    parameters = {"DRBucketArn": "arn:aws:s3:::cognito-backup-dr-1-us-west-2-prod", "DRRegion": "us-west-2"}
    variables = backup["Resources"]["BackupFunction"]["Properties"]["Environment"]["Variables"]
    assert Resolver(backup, parameters=parameters).resolve(variables)["BACKUP_DR_BUCKET_ARN"] == parameters["DRBucketArn"]
    failed = _alarm(backup, "PoolReplicationFailedAlarm", **parameters)
    assert (failed["Namespace"], failed["MetricName"], failed["Statistic"]) == ("CognitoBackup", "ReplicationFailed", "Maximum")
    assert (failed["Threshold"], failed["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    pending = _alarm(backup, "PoolReplicationPendingAlarm", ReplicationLatencyThresholdSeconds="900", **parameters)
    assert (pending["MetricName"], pending["Statistic"], pending["Threshold"]) == ("ReplicationPendingSeconds", "Maximum", "900")
    for alarm in (failed, pending):
        assert alarm["Dimensions"] == ENVIRONMENT_DIMENSION  # the record by Environment alone: every pool at once
        assert alarm["TreatMissingData"] == "notBreaching"  # silence is the protection alarms' to see
    for name in ("PoolReplicationFailedAlarm", "PoolReplicationPendingAlarm"):
        assert backup["Resources"][name]["Condition"] == "HasDR"
    # The HEAD is s3:GetObject on the backups, which the function holds already.
    [write] = [s for s in _resources_policy_statements(backup) if s.get("Sid") == "WriteBackupObjects"]
    assert "s3:GetObject" in write["Action"]


def _resources_policy_statements(backup: dict) -> list[dict]:
    [policy] = [p for p in backup["Resources"]["FunctionRole"]["Properties"]["Policies"] if p["PolicyName"] == "CognitoBackupAccess"]
    return [s for s in policy["PolicyDocument"]["Statement"] if isinstance(s, dict) and "Sid" in s]


def test_an_alarm_fires_when_the_metadata_table_throttles(backup):
    alarm = _alarm(backup, "MetadataTableThrottledAlarm")
    by_id = {m["Id"]: m for m in alarm["Metrics"]}
    for metric_id, name in (("reads", "ReadThrottleEvents"), ("writes", "WriteThrottleEvents")):
        metric = by_id[metric_id]["MetricStat"]["Metric"]
        assert (metric["Namespace"], metric["MetricName"]) == ("AWS/DynamoDB", name)
        assert metric["Dimensions"] == [{"Name": "TableName", "Value": "cognito-backup-metadata-prod"}]
        assert by_id[metric_id]["ReturnData"] is False
    [returned] = [m for m in alarm["Metrics"] if m["ReturnData"]]
    assert returned["Expression"] == "FILL(reads, 0) + FILL(writes, 0)"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_the_table_ttl_deletes_a_backups_row_by_expires_at_which_the_function_always_can_compute(backup):
    """The row member the binary writes (tests/test_retention.py) is the table's TTL attribute, and the
    tiers' days it is computed from reach the function with or without Object Lock."""
    table = backup["Resources"]["MetadataTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    # DynamoDB refuses a TTL on a key attribute; expires_at is a plain Number member.
    assert "expires_at" not in {a["AttributeName"] for a in table["AttributeDefinitions"]}
    variables = backup["Resources"]["BackupFunction"]["Properties"]["Environment"]["Variables"]
    for parameters in ({}, {"ObjectLockMode": "GOVERNANCE"}):
        resolved = Resolver(backup, parameters=parameters).resolve(variables)
        assert resolved["BACKUP_TIER_RETENTION_DAYS"] == "hourly=2,daily=35,monthly=366", parameters


def test_every_alarm_notifies_the_topic(backup):
    topic = "arn:aws:sns:us-east-1:123456789012:alarms"
    for name in _resources(backup, "AWS::CloudWatch::Alarm"):
        alarm = _alarm(backup, name, AlarmTopicArn=topic, EnableDrills="true", DRBucketArn="arn:aws:s3:::dr", DRRegion="us-west-2")
        assert alarm["AlarmActions"] == alarm["OKActions"] == [topic], name
        assert alarm["AlarmName"].startswith("cognito-backup-prod-"), name


# ----------------------------------------------------------------- dashboard (#21)

PER_POOL_METRICS = ["BackupAgeSeconds", "BackupDuration", "UsersBackedUp", "BackupBytes", "DrillSucceeded", "DrillFailed",
                    "UserListQuotaShare", "ReplicationPendingSeconds", "ReplicationFailed"]


def test_the_dashboard_shows_every_pool_through_search_expressions(backup):
    body = json.loads(Resolver(backup).resolve(backup["Resources"]["Dashboard"]["Properties"]["DashboardBody"]))
    expressions = [m[0]["expression"] for w in body["widgets"] for m in w["properties"]["metrics"] if isinstance(m[0], dict)]
    plain = [tuple(m) for w in body["widgets"] for m in w["properties"]["metrics"] if isinstance(m[0], str)]
    for metric in PER_POOL_METRICS:
        [search] = [e for e in expressions if f'MetricName="{metric}"' in e]
        assert search.startswith("SEARCH('{CognitoBackup,Environment,UserPoolId} Environment=\"prod\" "), search
    for metric in ("PoolsWithoutRecentBackup", "DrillOverdue", "UserListQuotaShare", "QuotaPlanDoesNotFit"):
        assert ("CognitoBackup", metric, "Environment", "prod") in plain
    replication = [e for e in expressions if "AWS/S3" in e]
    assert len(replication) == 2 and all('SourceBucket="cognito-backup-123456789012-us-east-1-prod"' in e for e in replication)
    assert all(w["properties"]["region"] == "us-east-1" for w in body["widgets"])


# ----------------------------------------------------------------- moto's CloudFormation (#21)

# moto 5.2.1's CloudFormation skips these types (it warns "No Moto CloudFormation support") and
# reports the stack complete: what they hold is checked statically above. It does create
# AWS::CloudWatch::Dashboard, AWS::StepFunctions::StateMachine and the IAM roles and policies.
MOTO_UNSUPPORTED = {"AWS::CloudWatch::Alarm", "AWS::S3::BucketPolicy", "AWS::Lambda::EventInvokeConfig"}


def _deploy_in_moto(template: Path, parameters: dict[str, str], code: bool = True):
    moto = pytest.importorskip("moto")
    import io
    import warnings
    import zipfile

    import boto3

    with moto.mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # moto's "not supported" warnings, listed above
        region = "us-east-1"
        if code:
            s3 = boto3.client("s3", region_name=region)
            s3.create_bucket(Bucket="code-bucket")
            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w") as zipped:
                zipped.writestr("bootstrap", "#!/bin/sh\n")
            s3.put_object(Bucket="code-bucket", Key="cognito-backup.zip", Body=archive.getvalue())
        cfn = boto3.client("cloudformation", region_name=region)
        cfn.create_stack(StackName="cognito-backup", TemplateBody=template.read_text(encoding="utf-8"),
                         Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                         Capabilities=["CAPABILITY_IAM"])
        [stack] = cfn.describe_stacks(StackName="cognito-backup")["Stacks"]
        created = {r["LogicalResourceId"]: r for r in cfn.list_stack_resources(StackName="cognito-backup")["StackResourceSummaries"]
                   if r["LogicalResourceId"]}
        yield stack, created, boto3.Session(region_name=region)


def test_the_template_deploys_in_motos_cloudformation_with_every_protection_on(backup):
    parameters = {"UserPoolIds": "*", "PoolSelectionTags": "team=identity", "CodeS3Bucket": "code-bucket",
                  "CodeS3Key": "cognito-backup.zip", "EnableDrills": "true", "ObjectLockMode": "GOVERNANCE",
                  "DRBucketArn": "arn:aws:s3:::cognito-backup-dr-123456789012-us-west-2-prod", "DRRegion": "us-west-2",
                  "RpoMinutes": "120"}
    for stack, created, session in _deploy_in_moto(BACKUP_TEMPLATE, parameters):
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        resolver = Resolver(backup, parameters=parameters)
        expected = {n for n, r in backup["Resources"].items() if "Condition" not in r or resolver.condition(r["Condition"])}
        skipped = {backup["Resources"][n]["Type"] for n in expected - set(created)}
        assert skipped == MOTO_UNSUPPORTED, sorted(expected - set(created))
        assert {"Dashboard", "BackupBucket", "BackupFunction", "BackupStateMachine", "DrillPolicy"} <= set(created)

        # moto's AWS::S3::Bucket applies only the name, encryption and tags: lifecycle, Object
        # Lock and replication are checked statically above.
        bucket = created["BackupBucket"]["PhysicalResourceId"]
        assert bucket == "cognito-backup-123456789012-us-east-1-prod"
        session.client("s3").head_bucket(Bucket=bucket)

        env = session.client("lambda").get_function_configuration(FunctionName="cognito-backup-prod")["Environment"]["Variables"]
        machine = created["BackupStateMachine"]["PhysicalResourceId"]
        assert env["BACKUP_STATE_MACHINE_ARN"] == machine  # the ARN built from the name is the machine's
        env = {k: str(v) for k, v in env.items()}  # moto keeps a Number parameter an int; Lambda stores strings
        assert (env["USER_POOL_IDS"], env["BACKUP_POOL_TAGS"], env["BACKUP_RPO_MINUTES"]) == ("*", "team=identity", "120")
        assert env["BACKUP_DRILL_MAX_AGE_DAYS"] == "14" and env["BACKUP_OBJECT_LOCK_MODE"] == "GOVERNANCE"
        assert env["BACKUP_IMPORT_ROLE_ARN"].endswith(":role/" + created["ImportRole"]["PhysicalResourceId"])
        assert env["BACKUP_TIER_RETENTION_DAYS"] == "hourly=2,daily=35,monthly=366"

        iam = session.client("iam")
        role = created["FunctionRole"]["PhysicalResourceId"]

        def inline(name: str) -> dict:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            # moto's CloudFormation stores an inline policy as the repr of its dict.
            return ast.literal_eval(document) if isinstance(document, str) else document

        # moto leaves a statement that is AWS::NoValue as None; CloudFormation drops it.
        sids = {s["Sid"]: s for s in inline("CognitoBackupAccess")["Statement"] if s is not None}
        assert sids["ListUserPools"]["Action"] == "cognito-idp:ListUserPools"
        assert sids["LockBackupObjectsPerTier"]["Action"] == "s3:PutObjectRetention"
        assert sids["ReadConfiguredUserPools"]["Resource"] == POOL_ARN + "*"
        [start] = inline("ContinueEventBackups")["Statement"]
        assert start["Resource"] == machine

        board = session.client("cloudwatch").get_dashboard(DashboardName="cognito-backup-prod")
        assert len(json.loads(board["DashboardBody"])["widgets"]) == 10


def test_the_dr_template_deploys_in_motos_cloudformation_with_its_tiers():
    parameters = {"ObjectLockMode": "COMPLIANCE", "MonthlyRetentionMonths": "6"}
    for stack, created, session in _deploy_in_moto(DR_TEMPLATE, parameters, code=False):
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        assert set(load_template(DR_TEMPLATE)["Resources"]) - set(created) == {"DRBucketPolicy"}  # AWS::S3::BucketPolicy
        # The tiers it was given resolve (moto does not apply a bucket's lifecycle: see above).
        assert created["DRBucket"]["PhysicalResourceId"] == "cognito-backup-dr-123456789012-us-east-1-prod"
        rules = _rules(load_template(DR_TEMPLATE), "DRBucket", **parameters)
        assert rules["expire-monthly-backups"]["ExpirationInDays"] == rules["expire-untagged-backups"]["ExpirationInDays"] == 184


def test_a_stack_of_listed_ids_deploys_in_moto_without_listing_or_locking():
    parameters = {"UserPoolIds": "us-east-1_A,us-east-1_B", "CodeS3Bucket": "code-bucket", "CodeS3Key": "cognito-backup.zip"}
    for stack, created, session in _deploy_in_moto(BACKUP_TEMPLATE, parameters):
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        assert not {"DrillPolicy", "DrillScheduleRule", "ReplicationRole"} & set(created)  # their conditions are false
        document = session.client("iam").get_role_policy(RoleName=created["FunctionRole"]["PhysicalResourceId"],
                                                         PolicyName="CognitoBackupAccess")["PolicyDocument"]
        document = ast.literal_eval(document) if isinstance(document, str) else document
        statements = {s["Sid"]: s for s in document["Statement"] if s is not None}
        assert "ListUserPools" not in statements and "LockBackupObjectsPerTier" not in statements
        resources = [r for r in statements["ReadConfiguredUserPools"]["Resource"] if r is not None]
        assert resources == [POOL_ARN + "us-east-1_A", POOL_ARN + "us-east-1_B"]


def test_every_alarm_on_the_functions_metrics_watches_this_stacks_environment_only(backup):
    everything = {"EnableDrills": "true", "DRBucketArn": "arn:aws:s3:::dr", "DRRegion": "us-west-2", "Environment": "staging"}
    variables = Resolver(backup, parameters=everything).resolve(backup["Resources"]["BackupFunction"]["Properties"]["Environment"]["Variables"])
    assert variables["BACKUP_ENVIRONMENT"] == "staging"
    watched = [name for name, alarm in _resources(backup, "AWS::CloudWatch::Alarm").items()
               if alarm["Properties"].get("Namespace") == "CognitoBackup"]
    assert len(watched) == 6, watched
    for name in watched:
        assert _alarm(backup, name, **everything)["Dimensions"] == [{"Name": "Environment", "Value": "staging"}], name
    body = Resolver(backup, parameters=everything).resolve(backup["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
    assert "{CognitoBackup,UserPoolId}" not in body and body.count('Environment=\\"staging\\"') == 9

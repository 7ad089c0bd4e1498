"""Credentials as the AWS SDKs resolve them, each source proven through the binary against a
local peer with no keys in the environment, and with moto's SigV4 and IAM checks on, so a call
succeeds only when it is signed with the credentials that source stands for."""

from __future__ import annotations

import hashlib
import json
import stat
import sys
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from support.pools import rich_pool
from support.sso_portal import SSOPortal
from test_backup import backup

TABLE = "cognito-backup-metadata-test"
# moto matches a trust policy's principal literally (an account's root would not admit its users),
# so the roles trust anyone; what each identity may do is in its own policy.
ANYONE = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})


def allow(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


def iam_user(aws, name: str, *actions: str) -> dict[str, str]:
    iam = aws.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=allow(*actions))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def iam_role(aws, name: str, *actions: str) -> str:
    iam = aws.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ANYONE)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=allow(*actions))
    return arn


def role_credentials(aws, role_arn: str) -> dict[str, str]:
    """Credentials of the role as STS (moto's, with set-up rights) gives them out."""
    credentials = aws.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="portal")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"]}


def backed_up_pool(aws) -> str:
    """A pool with one backup row in the table, made with set-up rights."""
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.make_storage()
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    return pool


def keyless_env(aws, **extra: str) -> dict:
    """The binary's environment without any access key: only the files under HOME can sign."""
    env = aws.env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    env.update(extra)
    return env


def write_aws_file(aws, name: str, text: str) -> None:
    path = aws.tmp / ".aws" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


def list_backups(aws, env: dict, *extra: str):
    return aws.run("list", "--table", TABLE, "--json", *extra, env=env)


def enforce_auth_after(aws, unchecked: int) -> None:
    """moto checks every request after the next `unchecked` ones: real STS takes
    AssumeRoleWithWebIdentity unsigned, moto cannot, so that one call is let through."""
    request = urllib.request.Request(f"{aws.url}/moto-api/reset-auth", data=str(unchecked).encode(), headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request).close()


def sts_actions(aws) -> list[str]:
    return [body.decode().split("&")[0] for _, body in aws.server.faults.recorded if body.startswith(b"Action=")]


def test_a_role_profile_chained_through_another_role_profile_signs_with_the_last_role(aws):
    pool = backed_up_pool(aws)
    base = iam_user(aws, "base", "sts:AssumeRole")
    hop = iam_role(aws, "hop", "sts:AssumeRole")
    reader = iam_role(aws, "reader", "dynamodb:*")
    write_aws_file(aws, "credentials", f"[base]\naws_access_key_id = {base['AWS_ACCESS_KEY_ID']}\n"
                                       f"aws_secret_access_key = {base['AWS_SECRET_ACCESS_KEY']}\n")
    write_aws_file(aws, "config", f"[profile hop]\nrole_arn = {hop}\nsource_profile = base\n\n"
                                  f"[profile reader]\nrole_arn = {reader}\nsource_profile = hop\nrole_session_name = nightly-list\n"
                                  "duration_seconds = 900\nexternal_id = ext-7\n")
    aws.server.faults.recording = True
    aws.server.enforce_auth()

    result = list_backups(aws, keyless_env(aws), "--profile", "reader")

    assert result.returncode == 0, result.stderr
    assert [row["user_pool_id"] for row in json.loads(result.stdout)] == [pool]
    assert sts_actions(aws) == ["Action=AssumeRole", "Action=AssumeRole"]
    last = dict(pair.split("=", 1) for pair in aws.server.faults.recorded[1][1].decode().split("&"))
    assert (last["RoleSessionName"], last["DurationSeconds"], last["ExternalId"]) == ("nightly-list", "900", "ext-7")
    # The base user's own keys may only assume a role: the table was read with the last role's.
    denied = list_backups(aws, keyless_env(aws, AWS_PROFILE="base"))
    assert denied.returncode == 3 and "AccessDenied" in denied.stderr, denied.stderr


def test_a_source_profile_cycle_is_refused_naming_the_profiles(aws):
    write_aws_file(aws, "config", "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n\n"
                                  "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n")
    aws.server.faults.recording = True

    result = list_backups(aws, keyless_env(aws, AWS_PROFILE="a"))

    assert result.returncode == 2
    assert "cycle: a → b → a" in result.stderr, result.stderr
    assert aws.server.faults.recorded == []


def test_web_identity_from_the_environment_is_exchanged_for_the_role_and_used(aws):
    pool = backed_up_pool(aws)
    reader = iam_role(aws, "web-reader", "dynamodb:*")
    token = aws.tmp / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl\n")
    aws.server.faults.recording = True
    enforce_auth_after(aws, unchecked=1)

    result = list_backups(aws, keyless_env(aws, AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN=reader,
                                           AWS_ROLE_SESSION_NAME="eks-pod"))

    assert result.returncode == 0, result.stderr
    assert [row["user_pool_id"] for row in json.loads(result.stdout)] == [pool]
    [exchange] = [body.decode() for _, body in aws.server.faults.recorded if body.startswith(b"Action=")]
    assert "Action=AssumeRoleWithWebIdentity" in exchange and "RoleSessionName=eks-pod" in exchange
    assert "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl" in exchange


def test_web_identity_set_in_a_profile_is_used(aws):
    pool = backed_up_pool(aws)
    reader = iam_role(aws, "web-reader", "dynamodb:*")
    token = aws.tmp / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.profile-token.c2ln")
    write_aws_file(aws, "config", f"[profile ci]\nrole_arn = {reader}\nweb_identity_token_file = {token}\n")
    enforce_auth_after(aws, unchecked=1)

    result = list_backups(aws, keyless_env(aws, AWS_PROFILE="ci"))

    assert result.returncode == 0, result.stderr
    assert [row["user_pool_id"] for row in json.loads(result.stdout)] == [pool]


def sso_config(style: str) -> str:
    if style == "sso-session":
        return ("[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = BackupReader\n\n"
                "[sso-session my-sso]\nsso_start_url = https://my-org.awsapps.com/start\nsso_region = eu-west-1\n"
                "sso_registration_scopes = sso:account:access\n")
    return ("[profile dev]\nsso_start_url = https://my-org.awsapps.com/start\nsso_region = eu-west-1\n"
            "sso_account_id = 111122223333\nsso_role_name = BackupReader\n")


def cache_sso_token(aws, style: str, expires_in: timedelta) -> None:
    # The CLI names the file after the session, or for a legacy profile after the start URL.
    key = "my-sso" if style == "sso-session" else "https://my-org.awsapps.com/start"
    cache = aws.tmp / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    expires = (datetime.now(timezone.utc) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    (cache / f"{hashlib.sha1(key.encode()).hexdigest()}.json").write_text(json.dumps(
        {"startUrl": "https://my-org.awsapps.com/start", "region": "eu-west-1", "accessToken": "aoaAAAAAGsso-access-token",
         "expiresAt": expires, "clientId": "client", "refreshToken": "refresh"}))


@pytest.mark.parametrize("style", ["sso-session", "legacy"])
def test_an_sso_profile_gets_role_credentials_from_the_portal_with_the_cached_token(aws, style):
    pool = backed_up_pool(aws)
    reader = role_credentials(aws, iam_role(aws, "BackupReader", "dynamodb:*"))
    write_aws_file(aws, "config", sso_config(style))
    cache_sso_token(aws, style, timedelta(hours=1))
    aws.server.enforce_auth()

    with SSOPortal("aoaAAAAAGsso-access-token", "111122223333", "BackupReader", reader) as portal:
        result = list_backups(aws, keyless_env(aws, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=portal.url))

    assert result.returncode == 0, result.stderr
    assert [row["user_pool_id"] for row in json.loads(result.stdout)] == [pool]
    assert portal.requests == [{"path": "/federation/credentials", "query": {"account_id": "111122223333", "role_name": "BackupReader"},
                                "token": "aoaAAAAAGsso-access-token", "signed": False}]


def test_an_expired_sso_token_asks_for_aws_sso_login(aws):
    write_aws_file(aws, "config", sso_config("sso-session"))
    cache_sso_token(aws, "sso-session", timedelta(minutes=-5))

    with SSOPortal("aoaAAAAAGsso-access-token", "111122223333", "BackupReader", {}) as portal:
        result = list_backups(aws, keyless_env(aws, AWS_ENDPOINT_URL_SSO=portal.url), "--profile", "dev")

    assert result.returncode == 2
    assert "the SSO session 'my-sso' has expired: run `aws sso login --profile dev`" in result.stderr, result.stderr
    assert portal.requests == []


def credential_helper(aws, exit_code: int, output: dict) -> str:
    """An executable in a directory whose name has a space, so the command line must be quoted."""
    directory = aws.tmp / "cred helper"
    directory.mkdir()
    script = directory / "print-credentials"
    script.write_text(f"#!{sys.executable}\nimport json, sys\n"
                      f"if sys.argv[1:] != ['--account', 'prod main']:\n    sys.exit('unexpected arguments: ' + repr(sys.argv[1:]))\n"
                      f"sys.stderr.write('helper says: token revoked\\n' if {exit_code} else '')\n"
                      f"print(json.dumps({output!r}))\nsys.exit({exit_code})\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f'credential_process = "{script}" --account \'prod main\'\n'


def test_credential_process_output_is_used_to_sign(aws):
    pool = backed_up_pool(aws)
    reader = iam_user(aws, "process-reader", "dynamodb:*")
    expires = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    write_aws_file(aws, "config", "[profile tool]\nregion = us-east-1\n" + credential_helper(aws, 0, {
        "Version": 1, "AccessKeyId": reader["AWS_ACCESS_KEY_ID"], "SecretAccessKey": reader["AWS_SECRET_ACCESS_KEY"], "Expiration": expires}))
    aws.server.enforce_auth()

    result = list_backups(aws, keyless_env(aws, AWS_PROFILE="tool"))

    assert result.returncode == 0, result.stderr
    assert [row["user_pool_id"] for row in json.loads(result.stdout)] == [pool]


def test_a_failing_credential_process_is_a_configuration_error_naming_the_profile(aws):
    write_aws_file(aws, "config", "[profile tool]\n" + credential_helper(aws, 3, {}))

    result = list_backups(aws, keyless_env(aws, AWS_PROFILE="tool"))

    assert result.returncode == 2
    assert "credential_process of profile 'tool'" in result.stderr and "exited with status 3" in result.stderr, result.stderr
    assert "helper says: token revoked" in result.stderr


def test_credential_process_printing_no_json_is_named(aws):
    write_aws_file(aws, "config", "[profile tool]\ncredential_process = /bin/echo not json\n")

    result = list_backups(aws, keyless_env(aws, AWS_PROFILE="tool"))

    assert result.returncode == 2
    assert "credential_process of profile 'tool' (/bin/echo) printed no JSON" in result.stderr, result.stderr

"""IAM users on a moto server, for tests that switch its auth enforcement on."""

from __future__ import annotations

import json
from typing import Any

import boto3

# While enforcement is relaxed moto accepts any credentials; these only need
# to look like keys.
_ANY_CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def boto3_client(
    url: str, service: str, creds: dict[str, str], region: str = "us-east-1"
) -> Any:
    """A boto3 client for ``service`` on the server at ``url``."""
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
    )


def _user_with_policy(iam: Any, name: str, policy: dict[str, Any]) -> dict[str, str]:
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


def admin_and_restricted_users(
    url: str, policy_document: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """Create IAM users ``admin`` (allowed everything) and ``backup`` (allowed
    ``policy_document``) and return their credentials.

    Call it while enforcement is still relaxed; it does not switch it on.
    """
    iam = boto3_client(url, "iam", _ANY_CREDS)
    return (
        _user_with_policy(iam, "admin", _ALLOW_ALL),
        _user_with_policy(iam, "backup", policy_document),
    )


def user_with_policy(url: str, name: str, policy_document: dict[str, Any]) -> dict[str, str]:
    """Create IAM user ``name`` allowed ``policy_document`` and return its credentials; call it
    while enforcement is still relaxed."""
    return _user_with_policy(boto3_client(url, "iam", _ANY_CREDS), name, policy_document)

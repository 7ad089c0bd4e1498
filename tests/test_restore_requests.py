"""Every request of a backup → restore → verify round trip is one real AWS would accept, as
far as botocore's service models can tell: known members, required ones present, types,
enums, lengths, ranges and patterns."""

from __future__ import annotations

import json
import re

import botocore.loaders
import pytest

from test_restore import CREDS, back_up, build_rich_pool, restore, run
from support.iam import boto3_client

LOADER = botocore.loaders.Loader()
MODELS = {"AWSCognitoIdentityProviderService": LOADER.load_service_model("cognito-idp", "service-2"),
          "DynamoDB_20120810": LOADER.load_service_model("dynamodb", "service-2")}
UNCOMPILABLE: set[str] = set()
"""Model patterns Python's re cannot compile (Java-style classes such as \\p{L} are compiled
by `re` only in part); reported, not checked."""


def compiled(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        UNCOMPILABLE.add(pattern)
        return None


def problems(model: dict, shape_name: str, value, path: str) -> list[str]:
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    found: list[str] = []
    if shape.get("document"):
        return []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not an object"]
        members = shape.get("members", {})
        found += [f"{path}.{name}: unknown member" for name in value if name not in members]
        found += [f"{path}.{name}: required, missing" for name in shape.get("required", []) if name not in value]
        for name, member in members.items():
            if name in value:
                found += problems(model, member["shape"], value[name], f"{path}.{name}")
        return found
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        found += bounds(shape, len(value), path)
        for i, item in enumerate(value):
            found += problems(model, shape["member"]["shape"], item, f"{path}[{i}]")
        return found
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: not a map"]
        found += bounds(shape, len(value), path)
        for key, item in value.items():
            found += problems(model, shape["key"]["shape"], key, f"{path}<key {key}>")
            found += problems(model, shape["value"]["shape"], item, f"{path}.{key}")
        return found
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: {value!r} is not a string"]
        if "enum" in shape and value not in shape["enum"]:
            found.append(f"{path}: {value!r} not one of {shape['enum']}")
        found += bounds(shape, len(value), path)
        if "pattern" in shape and (pattern := compiled(shape["pattern"])) and not pattern.fullmatch(value):
            found.append(f"{path}: {value[:60]!r} does not match {shape['pattern']}")
        return found
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{path}: {value!r} is not an integer"]
        return bounds(shape, value, path, what="")
    if kind in ("double", "float"):
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [f"{path}: {value!r} is not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a boolean"]
    if kind == "blob":
        return [] if isinstance(value, str) else [f"{path}: blob not base64 text"]
    if kind == "timestamp":
        return [] if isinstance(value, (int, float, str)) else [f"{path}: bad timestamp"]
    return [f"{path}: unchecked type {kind}"]


def bounds(shape: dict, measure: int, path: str, what: str = "length ") -> list[str]:
    """The model's min and max: of a length, or with `what` empty, of a value."""
    if "min" in shape and measure < shape["min"]:
        return [f"{path}: {what}{measure} < min {shape['min']}"]
    if "max" in shape and measure > shape["max"]:
        return [f"{path}: {what}{measure} > max {shape['max']}"]
    return []


def model_problems(recorded: list[tuple[str, bytes]]) -> tuple[list[str], set[str]]:
    """What the recorded Cognito and DynamoDB requests break of their API models, and which
    operations were checked (S3 bodies are not JSON)."""
    found, checked = [], set()
    for operation, body in recorded:
        for model in MODELS.values():
            if operation not in model["operations"] or operation in ("GetObject", "PutObject"):
                continue
            checked.add(operation)
            shape = model["operations"][operation].get("input", {}).get("shape")
            found += problems(model, shape, json.loads(body or b"{}"), operation) if shape else []
    return found, checked


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def test_every_cognito_and_dynamodb_request_of_a_round_trip_fits_the_service_model(server, idp, tmp_path):
    server.faults.recording = True
    backup = back_up(server, build_rich_pool(idp), tmp_path)
    summary = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "rich-restored",
                                 "--passwords", "forgot-password").stdout)
    run(server, "verify", "--source", str(backup), "--pool-id", summary["target_pool_id"])
    found, checked = model_problems(server.faults.recorded)
    assert {"CreateUserPool", "AdminCreateUser", "CreateUserPoolClient", "PutItem", "UpdateUserPool"} <= checked, checked
    assert found == [], "\n".join(sorted(set(found)))
    print("patterns Python's re could not compile:", sorted(UNCOMPILABLE))

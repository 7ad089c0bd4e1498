"""Read template/backup.yaml and turn its IAM policy into a concrete one.

The backup function's permissions live in ONE inline policy of the function
role, named ``CognitoBackupAccess``. Tests use it two ways:

* ``backup_actions()`` pins the exact action list (least privilege);
* ``backup_policy(bucket)`` resolves the CloudFormation intrinsics into a
  plain IAM policy document that can be attached to a user in moto, so the
  backup code is exercised with the permissions it will really have.

A small evaluator for the CloudFormation intrinsics the templates use
(``Ref``, ``Fn::Sub``, ``Fn::GetAtt``, ``Fn::If``, ``Fn::Join``,
``Fn::Split``, ``Fn::Select``, ``Fn::FindInMap``, the condition functions,
``AWS::NoValue``)
does the resolving; only what the policy needs is evaluated.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = REPO / "template"
BACKUP_TEMPLATE = TEMPLATE_DIR / "backup.yaml"
DR_TEMPLATE = TEMPLATE_DIR / "dr.yaml"

POLICY_NAME = "CognitoBackupAccess"

# Services whose calls moto authorises against resource "*": statements scoped
# to their ARNs would be denied there, so ``widen`` replaces their Resource.
WIDENED_SERVICES = ("cognito-idp", "dynamodb")

# Used for parameters that have no default, or an empty one the stack's rules refuse alone
# (UserPoolIds without PoolSelectionTags), when the caller gives no value.
PLACEHOLDER_PARAMETERS = {
    "UserPoolIds": "us-east-1_EXAMPLE1",
    "CodeS3Bucket": "code-bucket",
    "CodeS3Key": "cognito-backup.zip",
}


# --------------------------------------------------------------------------
# YAML loading with CloudFormation short-form tags


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that also understands CloudFormation's ``!Tag`` short forms."""


def _long_name(tag: str) -> str:
    return tag if tag in ("Ref", "Condition") else f"Fn::{tag}"


def _construct(loader: yaml.SafeLoader, node: yaml.Node, name: str) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":  # !GetAtt Resource.Attribute
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


for _tag in (
    "Ref", "Condition", "Sub", "GetAtt", "If", "Join", "Split", "Select",
    "Equals", "Not", "And", "Or", "FindInMap", "Base64", "GetAZs",
    "ImportValue", "Cidr", "Length", "ToJsonString", "Transform",
):
    _CfnLoader.add_constructor(
        f"!{_tag}",
        lambda loader, node, _name=_long_name(_tag): _construct(loader, node, _name),
    )


def load_template(path: Path | str = BACKUP_TEMPLATE) -> dict:
    """The template as plain data, short tags turned into their long forms."""
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


# --------------------------------------------------------------------------
# Intrinsic evaluation


class _NoValue:
    """``AWS::NoValue``: removed from the list or mapping that holds it."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "AWS::NoValue"


NO_VALUE = _NoValue()

_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Events::Rule": "Name",
    "AWS::CloudTrail::Trail": "TrailName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::IAM::Role": "RoleName",
}


class Resolver:
    """Evaluates intrinsics for one set of parameters, region and account."""

    def __init__(
        self,
        template: dict,
        *,
        region: str = "us-east-1",
        account: str = "123456789012",
        partition: str = "aws",
        parameters: dict[str, str] | None = None,
        resource_names: dict[str, str] | None = None,
    ) -> None:
        self.template = template
        self.region = region
        self.account = account
        self.partition = partition
        self.parameters = dict(parameters or {})
        self.resource_names = dict(resource_names or {})
        self._conditions: dict[str, bool] = {}

    # -- references ---------------------------------------------------------

    def parameter(self, name: str) -> Any:
        if name in self.parameters:
            return str(self.parameters[name])
        spec = self.template.get("Parameters", {}).get(name)
        if spec is None:
            raise KeyError(f"unknown parameter {name}")
        if name in PLACEHOLDER_PARAMETERS and not str(spec.get("Default", "")):
            return PLACEHOLDER_PARAMETERS[name]
        if "Default" in spec:
            return str(spec["Default"])
        raise KeyError(f"parameter {name} has no default: pass it in parameters=")

    def pseudo(self, name: str) -> Any:
        return {
            "AWS::Partition": self.partition,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": "cognito-backup",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }[name]

    def resource(self, logical_id: str) -> dict:
        try:
            return self.template["Resources"][logical_id]
        except KeyError:
            raise KeyError(f"unknown resource {logical_id}") from None

    def physical_name(self, logical_id: str) -> str:
        if logical_id in self.resource_names:
            return self.resource_names[logical_id]
        res = self.resource(logical_id)
        prop = _NAME_PROPERTY.get(res["Type"])
        props = res.get("Properties", {})
        if prop and prop in props:
            return self.resolve(props[prop])
        return logical_id

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        res_type = self.resource(name)["Type"]
        if res_type == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{self.physical_name(name)}"
        if res_type in ("AWS::IAM::Role", "AWS::Lambda::Function", "AWS::S3::Bucket",
                        "AWS::DynamoDB::Table", "AWS::Logs::LogGroup", "AWS::CloudTrail::Trail",
                        "AWS::CloudWatch::Dashboard"):
            return self.physical_name(name)
        return self.get_att(name, "Arn")

    def get_att(self, logical_id: str, attribute: str) -> str:
        res_type = self.resource(logical_id)["Type"]
        name = self.physical_name(logical_id)
        p, r, a = self.partition, self.region, self.account
        if attribute != "Arn":
            raise KeyError(f"unsupported attribute {logical_id}.{attribute}")
        arns = {
            "AWS::S3::Bucket": f"arn:{p}:s3:::{name}",
            "AWS::DynamoDB::Table": f"arn:{p}:dynamodb:{r}:{a}:table/{name}",
            "AWS::SQS::Queue": f"arn:{p}:sqs:{r}:{a}:{name}",
            "AWS::Logs::LogGroup": f"arn:{p}:logs:{r}:{a}:log-group:{name}:*",
            "AWS::Lambda::Function": f"arn:{p}:lambda:{r}:{a}:function:{name}",
            "AWS::IAM::Role": f"arn:{p}:iam::{a}:role/{name}",
            "AWS::Events::Rule": f"arn:{p}:events:{r}:{a}:rule/{name}",
            "AWS::CloudTrail::Trail": f"arn:{p}:cloudtrail:{r}:{a}:trail/{name}",
            "AWS::StepFunctions::StateMachine": f"arn:{p}:states:{r}:{a}:stateMachine:{name}",
        }
        if res_type not in arns:
            raise KeyError(f"no Arn model for {res_type}")
        return arns[res_type]

    # -- conditions ---------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            expr = self.template.get("Conditions", {})[name]
            self._conditions[name] = bool(self.resolve(expr))
        return self._conditions[name]

    # -- the evaluator ------------------------------------------------------

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return str(variables[inner])
            if "." in inner and not inner.startswith("AWS::"):
                res, att = inner.split(".", 1)
                return self.get_att(res, att)
            return str(self.ref(inner))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            handler = _FUNCTIONS.get(key)
            # {"Condition": {...}} is an IAM condition block, not !Condition.
            if handler is not None and not (key == "Condition" and not isinstance(arg, str)):
                return handler(self, arg)
        out = {}
        for key, value in node.items():
            value = self.resolve(value)
            if value is not NO_VALUE:
                out[key] = value
        return out


def _fn_sub(r: Resolver, arg: Any) -> str:
    if isinstance(arg, str):
        return r._sub(arg, {})
    text, variables = arg
    return r._sub(text, {k: r.resolve(v) for k, v in variables.items()})


def _fn_select(r: Resolver, arg: Any) -> Any:
    index, items = arg
    return r.resolve(items)[int(r.resolve(index))]


def _fn_if(r: Resolver, arg: Any) -> Any:
    name, when_true, when_false = arg
    return r.resolve(when_true if r.condition(name) else when_false)


def _fn_get_att(r: Resolver, arg: Any) -> str:
    res, att = arg if isinstance(arg, list) else arg.split(".", 1)
    return r.get_att(res, r.resolve(att))


_FUNCTIONS = {
    "Ref": lambda r, a: r.ref(a),
    "Condition": lambda r, a: r.condition(a),
    "Fn::Sub": _fn_sub,
    "Fn::GetAtt": _fn_get_att,
    "Fn::If": _fn_if,
    "Fn::Join": lambda r, a: a[0].join(str(x) for x in r.resolve(a[1])),
    "Fn::Split": lambda r, a: r.resolve(a[1]).split(a[0]),
    "Fn::Select": _fn_select,
    "Fn::FindInMap": lambda r, a: r.template["Mappings"][r.resolve(a[0])][str(r.resolve(a[1]))][r.resolve(a[2])],
    "Fn::Equals": lambda r, a: str(r.resolve(a[0])) == str(r.resolve(a[1])),
    "Fn::Not": lambda r, a: not r.resolve(a[0]),
    "Fn::And": lambda r, a: all(r.resolve(x) for x in a),
    "Fn::Or": lambda r, a: any(r.resolve(x) for x in a),
}


# --------------------------------------------------------------------------
# The CognitoBackupAccess policy


def find_policy(template: dict, name: str = POLICY_NAME) -> tuple[str, dict]:
    """(logical id of the role, raw policy document) of the inline policy ``name``."""
    found = []
    for logical_id, res in template["Resources"].items():
        if res.get("Type") == "AWS::IAM::Role":
            for pol in res.get("Properties", {}).get("Policies", []):
                if pol.get("PolicyName") == name:
                    found.append((logical_id, pol["PolicyDocument"]))
        elif res.get("Type") == "AWS::IAM::Policy":
            if res.get("Properties", {}).get("PolicyName") == name:
                found.append((logical_id, res["Properties"]["PolicyDocument"]))
    if len(found) != 1:
        raise LookupError(f"expected exactly one policy named {name}, found {len(found)}")
    return found[0]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def backup_policy(
    bucket: str,
    table_arn_region: str = "us-east-1",
    account: str = "123456789012",
    widen: bool = True,
    *,
    parameters: dict[str, str] | None = None,
    table_name: str | None = None,
) -> dict:
    """The ``CognitoBackupAccess`` document as a concrete IAM policy.

    The backup bucket is ``bucket`` (ARN ``arn:aws:s3:::<bucket>``), the table
    ARN is concrete in ``table_arn_region``/``account`` (name from the template
    unless ``table_name`` is given), and parameters take their defaults unless
    given in ``parameters`` - so KmsKeyArn is empty and the no-KMS branch is
    taken. With ``widen`` every cognito-idp and dynamodb statement gets
    ``Resource: "*"`` (moto authorises those services against ``*``).
    """
    template = load_template()
    _, document = find_policy(template)
    names = {"BackupBucket": bucket}
    if table_name is not None:
        names["MetadataTable"] = table_name
    resolver = Resolver(
        template,
        region=table_arn_region,
        account=account,
        parameters=parameters,
        resource_names=names,
    )
    policy = resolver.resolve(copy.deepcopy(document))
    for statement in policy["Statement"]:
        statement["Action"] = _as_list(statement["Action"])
        services = {action.split(":", 1)[0] for action in statement["Action"]}
        if widen and services & set(WIDENED_SERVICES):
            statement["Resource"] = "*"
    return policy


DRILL_POLICY_NAME = "CognitoBackupDrillAccess"


def drill_policy(account: str = "123456789012", region: str = "us-east-1", widen: bool = True) -> dict:
    """The ``CognitoBackupDrillAccess`` document as a concrete IAM policy (drills on).

    With ``widen`` its cognito-idp statements get ``Resource: "*"``, as moto authorises them;
    moto also ignores their tag conditions (test_template.py checks those statically).
    """
    template = load_template()
    _, document = find_policy(template, DRILL_POLICY_NAME)
    resolver = Resolver(template, region=region, account=account, parameters={"EnableDrills": "true"})
    policy = resolver.resolve(copy.deepcopy(document))
    for statement in policy["Statement"]:
        statement["Action"] = _as_list(statement["Action"])
        if widen:
            statement["Resource"] = "*"
    return policy


def all_branches(statements: list) -> list:
    """Every statement (or action) the list can contain, whichever way Fn::If goes."""
    out: list[dict] = []
    for item in statements:
        if isinstance(item, dict) and set(item) == {"Fn::If"}:
            _, when_true, when_false = item["Fn::If"]
            out.extend(all_branches([when_true, when_false]))
        elif isinstance(item, dict) and item.get("Ref") == "AWS::NoValue":
            continue
        else:
            out.append(item)
    return out


def backup_actions() -> list[str]:
    """All actions the ``CognitoBackupAccess`` policy can grant, sorted.

    Statements behind a condition (the KMS one) count too, so this is the
    complete set of permissions the function can ever hold for its work.
    Duplicates are kept so that a duplicated grant shows up in a comparison.
    """
    _, document = find_policy(load_template())
    actions: list[str] = []
    for statement in all_branches(document["Statement"]):
        actions.extend(all_branches(_as_list(statement["Action"])))
    return sorted(actions)


def without_action(policy: dict, action: str) -> dict:
    """A copy of a resolved ``policy`` with ``action`` removed everywhere.

    Statements left with no action are dropped; raises if ``action`` was not
    in the policy (a typo would otherwise make a negative test pass vacuously).
    """
    result = copy.deepcopy(policy)
    removed = False
    statements = []
    for statement in result["Statement"]:
        actions = _as_list(statement["Action"])
        kept = [a for a in actions if a != action]
        removed |= len(kept) != len(actions)
        if kept:
            statement["Action"] = kept
            statements.append(statement)
    if not removed:
        raise ValueError(f"{action} is not in the policy")
    result["Statement"] = statements
    return result


def parameter_default(name: str) -> str:
    """The default of the backup template's parameter ``name``, as the stack would set it."""
    return str(load_template()["Parameters"][name]["Default"])

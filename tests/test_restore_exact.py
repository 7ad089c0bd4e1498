"""`restore --exact`: `--revert`, and what the target has and the backup lacks is removed
(memberships, users, app clients, identity providers, resource servers, groups), listed first by
`--plan`, counted as "removed" alike by the plan and the restore, and removed once: a lost answer,
an interruption or a rerun removes nothing twice and nothing the backup has."""

from __future__ import annotations

import json

import pytest

from test_diff import DELETED, EDITED, JOINED, diff, incident  # noqa: F401 - fixtures
from test_restore import idp, restore, run  # noqa: F401 - fixtures
from test_restore_plan import writes
from test_restore_repair import COGNITO, interrupt_after
from test_restore_requests import model_problems, problems

EXTRA_USER = "intruder"
EXTRA_GROUP = "contractors"
EXTRA_MEMBERSHIP = ("user007", "admins")
EXTRA_CLIENT = "scraper"
EXTRA_PROVIDER = "Shadow"
EXTRA_SERVER = "https://api.example.com/shadow"

REMOVED = {
    "group_memberships": {f"{u} in {g}" for u, g in [*JOINED, EXTRA_MEMBERSHIP]},
    "users": {EXTRA_USER},
    "app_clients": {EXTRA_CLIENT},
    "identity_providers": {EXTRA_PROVIDER},
    "resource_servers": {EXTRA_SERVER},
    "groups": {EXTRA_GROUP},
}
DELETES = {"AdminRemoveUserFromGroup", "AdminDeleteUser", "DeleteUserPoolClient", "DeleteIdentityProvider",
           "DeleteResourceServer", "DeleteGroup"}


def add_extras(idp, pool_id: str) -> None:
    """What appeared since the backup, beside the incident's own added memberships (JOINED)."""
    idp.admin_create_user(UserPoolId=pool_id, Username=EXTRA_USER, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "intruder@example.com"}])
    idp.create_group(UserPoolId=pool_id, GroupName=EXTRA_GROUP)
    for member in (EXTRA_USER, "user004"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=member, GroupName=EXTRA_GROUP)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=EXTRA_MEMBERSHIP[0], GroupName=EXTRA_MEMBERSHIP[1])
    idp.create_identity_provider(UserPoolId=pool_id, ProviderName=EXTRA_PROVIDER, ProviderType="OIDC",
                                 ProviderDetails={"client_id": "shadow", "client_secret": "s", "authorize_scopes": "openid",
                                                  "oidc_issuer": "https://shadow.example", "attributes_request_method": "GET"})
    idp.create_resource_server(UserPoolId=pool_id, Identifier=EXTRA_SERVER, Name="shadow",
                               Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}])
    # The extra client names the extra provider and scope: it must go before them.
    idp.create_user_pool_client(UserPoolId=pool_id, ClientName=EXTRA_CLIENT, AllowedOAuthFlows=["code"],
                                AllowedOAuthFlowsUserPoolClient=True, CallbackURLs=["https://shadow.example/cb"],
                                AllowedOAuthScopes=["openid", f"{EXTRA_SERVER}/read"],
                                SupportedIdentityProviders=["COGNITO", EXTRA_PROVIDER])


@pytest.fixture
def drifted(server, idp, incident):
    pool_id, backup = incident
    add_extras(idp, pool_id)
    return pool_id, backup


def exact(server, backup, pool_id: str, *extra: str, check: bool = True):
    return restore(server, backup, "--target-pool-id", pool_id, "--exact", "--mapping-file",
                   str(backup.with_suffix(".exact-mapping.json")), *extra, check=check)


def removed_counts(counts: dict) -> dict[str, int]:
    return {component: c["removed"] for component, c in counts.items() if c["removed"]}


def deletes_sent(server) -> list[tuple[str, dict]]:
    """The deletes the tool sent, each checked against the API model (moto takes what AWS refuses)."""
    sent = [(operation, json.loads(body)) for operation, body in server.faults.recorded if operation in DELETES]
    for operation, request in sent:
        assert problems(COGNITO, COGNITO["operations"][operation]["input"]["shape"], request, operation) == [], request
    return sent


def names_in(idp, pool_id: str) -> dict[str, set[str]]:
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    return {
        "groups": groups,
        "users": {u["Username"] for page in idp.get_paginator("list_users").paginate(UserPoolId=pool_id) for u in page["Users"]},
        "app_clients": {c["ClientName"] for c in idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]},
        "identity_providers": {p["ProviderName"] for p in idp.list_identity_providers(UserPoolId=pool_id)["Providers"]},
        "resource_servers": {s["Identifier"] for s in idp.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]},
        "group_memberships": {f"{u['Username']} in {g}" for g in groups
                              for u in idp.list_users_in_group(UserPoolId=pool_id, GroupName=g)["Users"]},
    }


def test_the_plan_lists_every_removal_first_writes_nothing_and_the_restore_removes_exactly_those(server, idp, drifted):
    pool_id, backup = drifted
    before = names_in(idp, pool_id)
    server.faults.recording = True

    planned = json.loads(exact(server, backup, pool_id, "--plan").stdout)

    assert writes(server.faults.recorded) == []
    # An app client is named with its id beside it: two clients may share a name.
    assert {kind: {n.split(" (")[0] for n in r["names"]} for kind, r in planned["removals"].items()} == REMOVED
    assert all(n.endswith(")") for n in planned["removals"]["app_clients"]["names"])
    assert {kind: r["count"] for kind, r in planned["removals"].items()} == {k: len(v) for k, v in REMOVED.items()}
    assert {op: planned["writes_by_operation"].get(op) for op in DELETES} == {
        "AdminRemoveUserFromGroup": 3, "AdminDeleteUser": 1, "DeleteUserPoolClient": 1, "DeleteIdentityProvider": 1,
        "DeleteResourceServer": 1, "DeleteGroup": 1}

    server.faults.recorded.clear()
    done = json.loads(exact(server, backup, pool_id).stdout)

    assert done["complete"], done["failures"]
    assert removed_counts(done["counts"]) == removed_counts(planned["counts"]) == {k: len(v) for k, v in REMOVED.items()}
    sent = deletes_sent(server)
    assert sorted(op for op, _ in sent) == sorted(
        ["AdminRemoveUserFromGroup"] * 3 + ["AdminDeleteUser", "DeleteUserPoolClient", "DeleteIdentityProvider",
                                            "DeleteResourceServer", "DeleteGroup"])
    # Memberships, then users, clients, providers, resource servers, groups: no reference left dangling.
    order = [op for op, _ in sent]
    assert order.index("DeleteUserPoolClient") < order.index("DeleteIdentityProvider") < order.index("DeleteGroup")
    assert order.index("DeleteUserPoolClient") < order.index("DeleteResourceServer")
    assert max(i for i, op in enumerate(order) if op == "AdminRemoveUserFromGroup") < order.index("AdminDeleteUser")
    after = names_in(idp, pool_id)
    # The extra group's and the extra user's memberships went with them, unbilled.
    with_them = {m for m in before["group_memberships"] if m.endswith(f" in {EXTRA_GROUP}") or m.startswith(f"{EXTRA_USER} in ")}
    assert with_them == {f"{EXTRA_USER} in {EXTRA_GROUP}", f"user004 in {EXTRA_GROUP}"}
    for kind, gone in REMOVED.items():
        gone = gone | (with_them if kind == "group_memberships" else set())
        assert not (after[kind] & gone) and before[kind] - gone <= after[kind], kind
    # Removing a membership bills its user as active, as adding one does: the plan said so.
    assert done["billed_users"] == planned["billed_users"] > 0

    checks = run(server, "verify", "--source", str(backup), "--pool-id", pool_id, check=False)
    assert checks.returncode == 0 and "FAIL" not in checks.stdout, checks.stdout
    left = json.loads(diff(server, str(backup), f"pool:{pool_id}", "--json").stdout)
    assert [c for c in left["changes"] if c["change"] == "added"] == [], left["changes"]

    server.faults.recorded.clear()
    again = json.loads(exact(server, backup, pool_id).stdout)
    assert again["complete"] and removed_counts(again["counts"]) == {}
    assert writes(server.faults.recorded) == []


def test_the_plan_text_names_the_removals_before_anything_else(server, idp, drifted):
    pool_id, backup = drifted

    text = run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--exact", "--plan").stdout

    lines = text.splitlines()
    assert lines[1] == "Would remove (the backup lacks them):", text
    block = {line.split()[0]: line.split(None, 1)[1] for line in lines[2:2 + len(REMOVED)]}
    assert block == {"group_memberships": "3: user001 in admins, user007 in admins, user011 in editors",
                     "users": f"1: {EXTRA_USER}", "app_clients": block["app_clients"], "identity_providers": f"1: {EXTRA_PROVIDER}",
                     "resource_servers": f"1: {EXTRA_SERVER}", "groups": f"1: {EXTRA_GROUP}"}, text
    assert block["app_clients"].startswith(f"1: {EXTRA_CLIENT} (")
    # The per-component lines after it say the same in the restore's terms.
    assert any(line.split()[:1] == ["users"] and "1 to remove" in line for line in lines[2 + len(REMOVED):]), text

    done = run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--exact").stdout.splitlines()
    # The restore's summary says it in the same terms, and says it once per component.
    assert sorted(line.split()[0] for line in done if line.endswith(" removed")) == sorted(REMOVED), done
    assert [line for line in done if line.split()[:1] == ["users"]][0].endswith(", 1 removed")


@pytest.mark.parametrize("operation", ["AdminDeleteUser", "DeleteIdentityProvider"])
def test_a_delete_whose_answer_was_lost_is_sent_again_and_counts_as_done(server, idp, drifted, operation):
    pool_id, backup = drifted
    server.faults.recording = True
    server.faults.add(operation, "drop")

    done = json.loads(exact(server, backup, pool_id).stdout)

    assert server.faults.fired[operation] == 1
    assert done["complete"], done["failures"]
    assert removed_counts(done["counts"]) == {k: len(v) for k, v in REMOVED.items()}
    # The first attempt acted, its answer was lost; the second found the item gone.
    assert sum(op == operation for op, _ in deletes_sent(server)) == 2
    after = names_in(idp, pool_id)
    assert EXTRA_USER not in after["users"] and EXTRA_PROVIDER not in after["identity_providers"]


def test_sigint_mid_removal_stops_and_a_rerun_finishes(server, idp, incident, tmp_path):
    pool_id, backup = incident
    extras = [f"extra{i:02}" for i in range(30)]
    for name in extras:
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    mapping = backup.with_suffix(".exact-mapping.json")
    stderr = interrupt_after(server, "AdminDeleteUser", 3, "--source", str(backup), "--target-pool-id", pool_id, "--exact",
                             "--mapping-file", str(mapping))
    assert "run the same command again" in stderr and json.loads(mapping.read_text())["target_pool_id"] == pool_id
    first = sum(op == "AdminDeleteUser" for op, _ in server.faults.recorded)
    assert 3 <= first < len(extras)

    server.faults.recorded.clear()
    done = json.loads(exact(server, backup, pool_id).stdout)

    assert done["complete"], done["failures"]
    assert done["counts"]["users"]["removed"] == len(extras) - first
    assert not set(extras) & names_in(idp, pool_id)["users"]


@pytest.mark.parametrize("selection", [("--create-pool",), ("--target-pool-id", "us-east-1_x", "--group", "admins"),
                                       ("--target-pool-id", "us-east-1_x", "--client", "web")])
def test_exact_where_it_could_remove_what_it_should_not_is_a_command_line_error(server, idp, incident, selection):
    _, backup = incident
    server.faults.recording = True

    result = run(server, "restore", "--source", str(backup), *selection, "--exact", check=False)

    assert result.returncode == 64, result.stderr
    assert "--exact" in result.stderr
    assert server.faults.recorded == []


def test_exact_with_only_memberships_removes_the_memberships_the_backup_lacks_and_nothing_else(server, idp, drifted):
    pool_id, backup = drifted
    before = names_in(idp, pool_id)
    server.faults.recording = True

    done = json.loads(exact(server, backup, pool_id, "--only", "memberships").stdout)

    assert done["complete"], done["failures"]
    # The extra group and the extra user stay, with their memberships: --only memberships removes neither.
    assert {op for op, _ in deletes_sent(server)} == {"AdminRemoveUserFromGroup"}
    expected = {f"{u} in {g}" for u, g in [*JOINED, EXTRA_MEMBERSHIP]}
    after = names_in(idp, pool_id)
    assert before["group_memberships"] - after["group_memberships"] == expected
    assert {k: v for k, v in after.items() if k != "group_memberships"} == {k: v for k, v in before.items() if k != "group_memberships"}


def test_exact_with_one_user_removes_only_her_memberships_the_backup_lacks(server, idp, drifted):
    pool_id, backup = drifted
    before = names_in(idp, pool_id)
    server.faults.recording = True

    planned = json.loads(exact(server, backup, pool_id, "--user", "user001", "--plan").stdout)
    assert writes(server.faults.recorded) == []
    server.faults.recorded.clear()
    done = json.loads(exact(server, backup, pool_id, "--user", "user001").stdout)

    assert planned["removals"] == {"group_memberships": {"count": 1, "names": ["user001 in admins"]}}
    assert done["complete"] and removed_counts(done["counts"]) == {"group_memberships": 1}
    assert [(op, r["Username"], r["GroupName"]) for op, r in deletes_sent(server)] == [
        ("AdminRemoveUserFromGroup", "user001", "admins")]
    # Not the pool's settings either, which the incident changed: only her memberships are exact.
    assert writes(server.faults.recorded) == ["AdminRemoveUserFromGroup"]
    after = names_in(idp, pool_id)
    assert after["group_memberships"] == before["group_memberships"] - {"user001 in admins"}
    assert {k: v for k, v in after.items() if k != "group_memberships"} == {k: v for k, v in before.items() if k != "group_memberships"}


def test_every_request_of_an_exact_repair_fits_the_service_model(server, idp, drifted):
    pool_id, backup = drifted
    server.faults.recording = True

    exact(server, backup, pool_id)
    exact(server, backup, pool_id, "--user", "user001")

    found, checked = model_problems(server.faults.recorded)
    assert DELETES | {"AdminListGroupsForUser", "UpdateUserPoolClient", "AdminUpdateUserAttributes"} <= checked, checked
    assert found == [], "\n".join(sorted(set(found)))


def test_the_plan_names_each_difference_as_diff_does_and_only_of_the_kinds_selected(server, idp, drifted):
    pool_id, backup = drifted
    server.faults.recording = True

    planned = json.loads(exact(server, backup, pool_id, "--plan").stdout)
    only_clients = json.loads(exact(server, backup, pool_id, "--plan", "--only", "clients").stdout)

    assert writes(server.faults.recorded) == []
    shown = {(c["kind"], c["change"], c["name"]) for c in planned["differences"]["changes"]}
    # The pool against the backup: + what the restore brings back, ~ what --revert puts back, - what --exact removes.
    assert {("users", "added", name) for name in DELETED} <= shown
    assert {("users", "changed", name) for name in EDITED} <= shown
    assert ("users", "removed", EXTRA_USER) in shown and ("groups", "added", "viewers") in shown
    assert ("app_clients", "removed", EXTRA_CLIENT) in shown and ("identity_providers", "added", "Partner") in shown
    assert planned["differences"]["more"] == 0
    assert planned["differences"]["summary"]["users"]["added"] == len(DELETED)
    assert {c["kind"] for c in only_clients["differences"]["changes"]} == {"app_clients"}


def test_the_text_plan_lists_the_differences_after_the_counts(server, idp, drifted):
    pool_id, backup = drifted
    result = run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--exact", "--plan",
                 "--mapping-file", str(backup.with_suffix(".exact-mapping.json")))
    differences = result.stdout.split("Differences from the backup", 1)[1].splitlines()
    assert f"  - user {EXTRA_USER}" in differences and f"  + user {DELETED[0]}" in differences

"""The template's backup state machine, run locally: enough of the Amazon States Language for
its definition (Task on lambda:invoke with Parameters and OutputPath, Choice with IsPresent,
NumericGreaterThanEquals and And, Succeed, Fail), so a test drives the function exactly as the
deployed machine would, through whatever `invoke` it is given."""

from __future__ import annotations

from support.template_policy import BACKUP_TEMPLATE, load_template


def definition() -> dict:
    return load_template(BACKUP_TEMPLATE)["Resources"]["BackupStateMachine"]["Properties"]["Definition"]


def _path(document, path: str):
    """A JSONPath of the `$.a.b` form; KeyError if a member is missing."""
    assert path == "$" or path.startswith("$."), path
    for name in path.split(".")[1:]:
        document = document[name]
    return document


def _present(document, path: str) -> bool:
    try:
        _path(document, path)
        return True
    except (KeyError, TypeError):
        return False


def _parameters(template, state_input):
    """Parameters with `name.$` members taken from the state's input."""
    if isinstance(template, dict):
        return {(k[:-2] if k.endswith(".$") else k): (_path(state_input, v) if k.endswith(".$") else _parameters(v, state_input))
                for k, v in template.items()}
    return template


def _holds(rule: dict, document) -> bool:
    if "And" in rule:
        return all(_holds(r, document) for r in rule["And"])
    if "IsPresent" in rule:
        return _present(document, rule["Variable"]) == rule["IsPresent"]
    if "NumericGreaterThanEquals" in rule:
        return _present(document, rule["Variable"]) and _path(document, rule["Variable"]) >= rule["NumericGreaterThanEquals"]
    raise NotImplementedError(rule)


def run(execution_input: dict, invoke, max_transitions: int = 1000) -> tuple[str, object, int]:
    """Runs the machine; `invoke(payload)` returns (kind, answer) as the Runtime API emulator gives
    them. Returns ("succeeded", output) or ("failed", the error), and the invocations made."""
    machine = definition()
    state_name, document, invocations = machine["StartAt"], execution_input, 0
    for _ in range(max_transitions):  # bounded: the machine's own bound is 100 invocations
        state = machine["States"][state_name]
        if state["Type"] == "Task":
            assert state["Resource"] == "arn:aws:states:::lambda:invoke", state
            kind, answer = invoke(_parameters(state["Parameters"], document)["Payload"])
            invocations += 1
            if kind != "response":  # a function error fails the execution: the Retry covers Lambda's own only
                return "failed", answer, invocations
            document = _path({"Payload": answer}, state["OutputPath"])
            state_name = state["Next"]
        elif state["Type"] == "Choice":
            state_name = next((r["Next"] for r in state["Choices"] if _holds(r, document)), state["Default"])
        elif state["Type"] == "Succeed":
            return "succeeded", document, invocations
        elif state["Type"] == "Fail":
            return "failed", {"errorType": state["Error"], "errorMessage": state["Cause"]}, invocations
        else:
            raise NotImplementedError(state["Type"])
    raise AssertionError("the state machine did not end")

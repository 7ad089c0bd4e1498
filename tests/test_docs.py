"""The pages that describe the code follow it. docs/configuration.md's tables are the code's
settings, no more and no less: each subcommand's flags as its `--help` lists them, each template's
`Parameters`, and every environment variable the sources read. A setting added without a row, or
a row left for a setting that went, fails here and says which. Links between the pages (README,
CHANGELOG, template/README.md, docs/) reach a file and a heading; docs/design.md's layout names
every path of the repository; docs/cost.md's storage table is what bench/storage_per_pool.py
computes."""

from __future__ import annotations

import fnmatch
import re
import subprocess

import pytest

from conftest import BINARY, ROOT
from support.template_policy import BACKUP_TEMPLATE, DR_TEMPLATE, load_template

CONFIGURATION = ROOT / "docs" / "configuration.md"
# swift-argument-parser's own, on every command; the page says so once.
UNIVERSAL_FLAGS = {"--help"}


def section(text: str, heading: str) -> str:
    """The body under the heading `heading` (`## X` or `### X`), up to the next heading of its
    level or above."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.M)
    assert match, f"docs/configuration.md has no heading '{heading}'"
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[:end.start()] if end else rest


def table_names(body: str) -> list[str]:
    """The first backticked name in the first cell of each row of the section's first table."""
    names, seen_separator = [], False
    for line in body.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            if seen_separator:
                break  # the first table ended
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells):
            seen_separator = True
            continue
        if not seen_separator:
            continue  # the header row
        name = re.match(r"`([^`]+)`", cells[0])
        assert name, f"a row whose first cell names nothing in backticks: {line}"
        names.append(name.group(1))
    assert seen_separator, "no table under this heading"
    return names


def table(heading: str) -> set[str]:
    names = table_names(section(CONFIGURATION.read_text(), heading))
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"'{heading}' lists {duplicates} twice"
    return set(names)


def differences(documented: set[str], actual: set[str], where: str, source: str) -> str:
    missing, extra = sorted(actual - documented), sorted(documented - actual)
    return (f"docs/configuration.md '{where}' differs from {source}: "
            f"missing rows {missing or 'none'}; rows for nothing in the code {extra or 'none'}")


# MARK: flags

def help_text(*subcommand: str) -> str:
    run = subprocess.run([BINARY, *subcommand, "--help"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, f"{BINARY} {' '.join(subcommand)} --help failed (build it first): {run.stderr}"
    return run.stdout


def subcommands() -> list[str]:
    listing = help_text().split("SUBCOMMANDS:", 1)[1]
    return re.findall(r"^  ([a-z][a-z-]*)\s", listing, re.M)


def options(help: str) -> set[str]:
    """Each `--flag` the OPTIONS block lists: an entry starts two spaces in; wrapped text is deeper."""
    block = help.split("OPTIONS:", 1)[1]
    return set(re.findall(r"^  (?:-\w, )?(--[a-z][a-z0-9-]*)", block, re.M))


def test_the_help_parser_reads_flags_and_subcommands():
    # So that an empty parse cannot pass the comparisons below.
    assert {"backup", "list", "restore", "verify", "drill"} <= set(subcommands())
    assert {"--pool-id", "--compression", "--user-mfa", "--max-wait", "--help"} <= options(help_text("backup"))


@pytest.fixture(scope="module")
def help_options() -> dict[str, set[str]]:
    return {sub: options(help_text(sub)) - UNIVERSAL_FLAGS for sub in subcommands()}


def test_every_flag_of_the_every_command_table_is_a_flag_of_every_subcommand(help_options):
    # A flag every command has but with a meaning of its own (--json) may be in each command's table instead.
    lacking = {sub: sorted(table("every command") - flags) for sub, flags in help_options.items() if table("every command") - flags}
    assert not lacking, f"docs/configuration.md 'every command' lists flags these subcommands do not have: {lacking}"


def test_each_subcommand_table_lists_exactly_its_own_flags(help_options):
    shared = table("every command")
    failures = []
    for sub, flags in help_options.items():
        if not re.search(rf"^### {re.escape(sub)}\s*$", CONFIGURATION.read_text(), re.M):
            failures.append(f"no '### {sub}' table for the subcommand {sub}")
            continue
        own = table(sub)
        if own & shared:
            failures.append(f"'{sub}' repeats flags of 'every command': {sorted(own & shared)}")
        if own | shared != flags:
            failures.append(differences(own | shared, flags, sub, f"cognito-backup {sub} --help"))
    assert not failures, "\n".join(failures)


# MARK: template parameters

@pytest.mark.parametrize("template", [BACKUP_TEMPLATE, DR_TEMPLATE], ids=lambda p: p.name)
def test_each_template_table_lists_exactly_its_parameters(template):
    heading = f"template/{template.name}"
    parameters = set(load_template(template)["Parameters"])
    assert parameters, f"{template} has no Parameters"
    assert table(heading) == parameters, differences(table(heading), parameters, heading, f"{template.name}'s Parameters")


# MARK: environment variables

NAME = r"[A-Z][A-Z0-9_]*"
LITERAL = re.compile(rf'^"({NAME})"$')
# A direct read: a lookup in the environment dictionary (not a write into it), or getenv.
DIRECT = [
    re.compile(rf'\benvironment\[\s*"({NAME})"\s*\](?!\s*=[^=])'),
    re.compile(rf'\bgetenv\(\s*"({NAME})"\s*\)'),
]
LOOP = re.compile(r"for\s+(\w+)\s+in\s+\[([^\]]*)\]\s*\{")
# A name built at run time, e.g. "COGNITO_TPS_\(category)": a family, documented as PREFIX_<WHAT>.
FAMILY = re.compile(rf'"({NAME}_)\\\(')
FUNCTION = re.compile(r"\bfunc\s+(\w+)\s*\(")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def family(name: str) -> str:
    """`COGNITO_TPS_<CATEGORY>` and the code's `COGNITO_TPS_\\(…)` compare as `COGNITO_TPS_<>`."""
    return re.sub(r"<[^>]*>$", "<>", name)


def closing(text: str, start: int, opening: str, close: str) -> int:
    """The index just past the bracket that closes the one at `start`, string literals skipped."""
    depth, at = 0, start
    while at < len(text):
        if text[at] == '"':
            string = STRING.match(text, at)
            at = string.end() if string else at + 1
            continue
        depth += (text[at] == opening) - (text[at] == close)
        at += 1
        if depth == 0:
            return at
    return len(text)


def split_arguments(inner: str) -> list[str]:
    """A parameter or argument list split at its top-level commas."""
    parts, depth, begun, at = [], 0, 0, 0
    while at < len(inner):
        if inner[at] == '"':
            string = STRING.match(inner, at)
            at = string.end() if string else at + 1
            continue
        depth += (inner[at] in "([{") - (inner[at] in ")]}")
        if inner[at] == "," and depth == 0:
            parts.append(inner[begun:at])
            begun = at + 1
        at += 1
    return [part.strip() for part in parts + [inner[begun:]] if part.strip()]


def arguments(text: str, start: int) -> list[str]:
    """The arguments of the call whose `(` is at `start`, labels dropped."""
    inner = text[start + 1:closing(text, start, "(", ")") - 1]
    return [re.sub(r"^\w+\s*:\s*", "", part) for part in split_arguments(inner)]


def environment_helpers(text: str) -> dict[str, set[int]]:
    """Each function of the file that reads a variable named by one of its parameters, e.g.
    StatusCommand's `func setting(_ name: String) { environment[name] … }` or WebIdentity's
    `setting(key, variable)`: its name → the positions of those parameters. A function that hands
    its parameter on to such a helper is one too (BackupSettings' `required` calls `value`). The
    dictionary read may be `environment` or `variables` (StatusPolicy's `setting(_:in:)` reads the
    deployed function's environment or the operator's, as `variables`)."""
    functions = []
    for match in FUNCTION.finditer(text):
        opening = match.end() - 1
        signature_end = closing(text, opening, "(", ")")
        body_start = text.find("{", signature_end)
        if body_start < 0 or "}" in text[signature_end:body_start]:
            continue  # a declaration without a body (a protocol's)
        # `_ name: String`, `of name: String`, `name: String`: the name used inside is the last word before the colon.
        parameters = [part.split(":")[0].split()[-1] for part in split_arguments(text[opening + 1:signature_end - 1])]
        functions.append((match.group(1), parameters, text[body_start:closing(text, body_start, "{", "}")]))
    helpers: dict[str, set[int]] = {}
    changed = True
    while changed:
        changed = False
        for name, parameters, body in functions:
            for index, parameter in enumerate(parameters):
                if index in helpers.get(name, set()):
                    continue
                reads = re.search(rf"\b(?:environment|variables)\[\s*{parameter}\s*\](?!\s*=[^=])|\bgetenv\(\s*{parameter}\s*\)", body)
                passes = any(index_of < len(args) and args[index_of] == parameter
                             for helper, positions in helpers.items()
                             for call in re.finditer(rf"\b{helper}\(", body)
                             for args in [arguments(body, call.end() - 1)] for index_of in positions)
                if reads or passes:
                    helpers.setdefault(name, set()).add(index)
                    changed = True
    return helpers


def variables_in(text: str) -> set[str]:
    """The variables a Swift file reads: directly, through a helper that takes the name (see
    `environment_helpers`), by a loop over a literal list of names, or as a family."""
    found = set()
    for pattern in DIRECT:
        found |= set(pattern.findall(text))
    for helper, positions in environment_helpers(text).items():
        for call in re.finditer(rf"(?<!func )\b{helper}\(", text):
            args = arguments(text, call.end() - 1)
            found |= {literal.group(1) for index in positions if index < len(args)
                      if (literal := LITERAL.match(args[index]))}
    for loop in LOOP.finditer(text):
        body = text[loop.end():loop.end() + 400]
        if re.search(rf"environment\[\s*{loop.group(1)}\s*\]", body):
            found |= set(re.findall(rf'"({NAME})"', loop.group(2)))
    found |= {prefix + "<>" for prefix in FAMILY.findall(text)}
    return found


def variables_read() -> set[str]:
    found = set()
    for path in (ROOT / "Sources").rglob("*.swift"):
        text = path.read_text()
        if "environment" in text or "getenv" in text:
            found |= variables_in(text)
    return found


def test_the_source_scan_finds_variables_of_every_kind_of_read():
    found = variables_read()
    # environment[…], getenv(…), helpers (value, required, wholeNumber, setting(…, …)), a loop over names, a family.
    assert {"AWS_REGION", "USER_POOL_IDS", "TMPDIR", "AWS_ROLE_ARN", "SSL_CERT_FILE", "COGNITO_TPS_<>",
            "BACKUP_RPO_MINUTES", "BACKUP_COMPRESSION"} <= found, sorted(found)
    assert "ALL_OLD" not in found and "FORCE_CHANGE_PASSWORD" not in found


def test_a_variable_read_only_through_a_helper_that_takes_its_name_is_found():
    # StatusCommand reads the selection, and StatusPolicy BACKUP_TABLE and BACKUP_BUCKET through
    # `setting(_:in:)` over the function's or the operator's variables: the scan must see them
    # there, not only where other files read them too.
    status = (ROOT / "Sources" / "cognito-backup" / "StatusCommand.swift").read_text()
    policy = (ROOT / "Sources" / "cognito-backup" / "StatusPolicy.swift").read_text()
    assert {"USER_POOL_IDS", "BACKUP_POOL_TAGS"} <= variables_in(status)
    assert {"BACKUP_TABLE", "BACKUP_BUCKET", "BACKUP_FUNCTION_NAME"} <= variables_in(policy)
    one_argument = 'func setting(_ name: String) -> String? { environment[name] }\nlet x = setting("ONLY_HERE")'
    two_arguments = ('func setting(_ key: String, _ variable: String) -> String? { [environment[variable], s[key]].first }\n'
                     'let y = setting("role_arn", "SECOND_ONE")')
    handed_on = ('func value(_ name: String) -> String { environment[name] ?? "" }\n'
                 'func required(_ name: String) -> String { let t = value(name); return t }\nlet z = required("VIA_ANOTHER")')
    labelled = 'func number(of name: String, in environment: [String: String]) -> Int? { environment[name].flatMap { Int($0) } }\nnumber(of: "LABELLED", in: e)'
    assert variables_in(one_argument) == {"ONLY_HERE"}
    assert variables_in(two_arguments) == {"SECOND_ONE"}
    assert variables_in(handed_on) == {"VIA_ANOTHER"}
    assert variables_in(labelled) == {"LABELLED"}
    # A helper's own parameter, a write and a non-literal argument are no variables.
    assert variables_in('func set(_ name: String) { environment[name] = "x" }\nset("WRITTEN")') == set()
    assert variables_in(one_argument.replace('"ONLY_HERE"', "computed")) == set()


def test_the_variable_table_lists_exactly_the_variables_the_sources_read():
    documented = {family(name) for name in table("Environment variables")}
    actual = variables_read()
    assert documented == actual, differences(documented, actual, "Environment variables", "the variables Sources/ reads")


# MARK: the parsers themselves

def test_the_table_parser_stops_at_the_first_table_and_refuses_a_row_without_a_name():
    body = "text\n\n| a | b |\n| --- | --- |\n| `x` | 1 |\n| `y` z | 2 |\n\n| c |\n| --- |\n| `w` |\n"
    assert table_names(body) == ["x", "y"]
    with pytest.raises(AssertionError, match="names nothing"):
        table_names("| a |\n| --- |\n| plain |\n")


# MARK: links between the pages

PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "template" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page) -> set[str]:
    """GitHub's anchor for each heading: lowercased, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.M)}


def test_every_link_between_the_pages_reaches_a_file_and_a_heading_there():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto: — outside the repository
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no heading #{anchor} in {linked.relative_to(ROOT)})")
    assert not broken, "\n".join(broken)


def test_the_readme_stays_a_front_door():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250, f"README.md is {len(text.splitlines())} lines; its detail belongs in docs/"
    # Users read it: no issue numbers or commit hashes.
    assert not re.search(r"(?<![\w/])#\d+\b|\bissue \d+|\b[0-9a-f]{7,40}\b", text, re.I), "README.md mentions an issue or a commit"


# MARK: docs/cost.md's storage figures, computed by bench/storage_per_pool.py

COST = ROOT / "docs" / "cost.md"
STORAGE_SCRIPT = ROOT / "bench" / "storage_per_pool.py"
STORAGE_TABLE = re.compile(r"<!-- storage table: generated by bench/storage_per_pool.py -->\n(.*?)\n<!-- end of storage table -->", re.S)


def test_the_cost_pages_storage_table_is_what_the_script_computes():
    run = subprocess.run(["python3", str(STORAGE_SCRIPT)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    table_on_page = STORAGE_TABLE.search(COST.read_text())
    assert table_on_page, "docs/cost.md has no storage table between its markers"
    assert table_on_page.group(1).strip() == run.stdout.strip(), (
        f"docs/cost.md's storage table is not what {STORAGE_SCRIPT.name} prints now; paste its output:\n{run.stdout}")
    # K, the versions the tiers keep, is the table's figure wherever the page uses it.
    [tiers] = [line for line in run.stdout.splitlines() if line.startswith("| retention tiers")]
    versions = tiers.split("|")[3].strip()
    k_uses = re.findall(r"\bK = ([\d,]+)|about ([\d,]+); computed below", COST.read_text())
    assert k_uses and all(versions in use for use in k_uses), f"docs/cost.md's K is not {versions}: {k_uses}"


def test_the_readmes_storage_line_gives_the_scripts_figures():
    run = subprocess.run(["python3", str(STORAGE_SCRIPT)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in run.stdout.splitlines()[2:]]
    tiers, flat = rows
    # objects stored, then plain at 100,000 and at 1,000,000 users, for the tiers and the flat rule.
    wanted = [tiers[3], tiers[2], tiers[4], tiers[5], flat[3], flat[4], flat[5]]
    line = next((l for l in (ROOT / "README.md").read_text().split("\n- ") if l.startswith("**Storage per pool")), "")
    missing = [figure for figure in wanted if figure not in line]
    assert line and not missing, f"README.md's storage line lacks {missing} (bench/storage_per_pool.py prints:\n{run.stdout})"


# MARK: docs/design.md's layout, against the files the repository holds

DESIGN = ROOT / "docs" / "design.md"


def layout_rows() -> list[list[str]]:
    """The paths (or patterns) each row of design.md's `## Layout` table names in its first cell."""
    body = DESIGN.read_text().split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in body.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and not all(re.fullmatch(r":?-{3,}:?", c) for c in cells) and cells[0] != "path":
            paths = re.findall(r"`([^`]+)`", cells[0])
            assert paths, f"a layout row that names no path: {line}"
            rows.append(paths)
    assert rows, "docs/design.md's Layout has no table"
    return rows


def test_the_layout_names_every_path_of_the_repository_and_nothing_else():
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True).stdout
    # `git ls-files | cut -d/ -f1-2 | sort -u`: the top level, and the level under each directory.
    paths = {"/".join(path.split("/")[:2]) for path in listed.splitlines()}
    patterns = [pattern for row in layout_rows() for pattern in row]
    unnamed = sorted(p for p in paths if not any(fnmatch.fnmatchcase(p, pattern) for pattern in patterns))
    stale = sorted(pattern for pattern in patterns if not any(fnmatch.fnmatchcase(p, pattern) for p in paths))
    assert not unnamed and not stale, (f"docs/design.md's Layout differs from the repository: paths without a row {unnamed or 'none'}; "
                                       f"rows for nothing there {stale or 'none'}")

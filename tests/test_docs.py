"""docs/configuration.md's tables are the code's settings, no more and no less: each subcommand's
flags as its `--help` lists them, each template's `Parameters`, and every environment variable the
sources read. A setting added without a row, or a row left for a setting that went, fails here and
says which."""

from __future__ import annotations

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
# The ways the sources read a variable: a lookup in the environment dictionary (not a write into
# it), BackupSettings' value/required helpers, ProtectionPolicy's wholeNumber and getenv, WebIdentitySource's setting(key,
# variable), and a loop over a literal list of names that looks each up.
READS = [
    re.compile(rf'\benvironment\[\s*"({NAME})"\s*\](?!\s*=[^=])'),
    re.compile(rf'\b(?:value|required|getenv)\(\s*"({NAME})"\s*\)'),
    re.compile(rf'\bwholeNumber\(\s*"({NAME})"\s*,'),
    re.compile(rf'\bsetting\(\s*"[a-z_]+"\s*,\s*"({NAME})"\s*\)'),
]
LOOP = re.compile(r"for\s+(\w+)\s+in\s+\[([^\]]*)\]\s*\{")
# A name built at run time, e.g. "COGNITO_TPS_\(category)": a family, documented as PREFIX_<WHAT>.
FAMILY = re.compile(rf'"({NAME}_)\\\(')


def family(name: str) -> str:
    """`COGNITO_TPS_<CATEGORY>` and the code's `COGNITO_TPS_\\(…)` compare as `COGNITO_TPS_<>`."""
    return re.sub(r"<[^>]*>$", "<>", name)


def variables_read() -> set[str]:
    found = set()
    for path in (ROOT / "Sources").rglob("*.swift"):
        text = path.read_text()
        if "environment" not in text and "getenv" not in text:
            continue
        for pattern in READS:
            found |= set(pattern.findall(text))
        for loop in LOOP.finditer(text):
            body = text[loop.end():loop.end() + 400]
            if re.search(rf"environment\[\s*{loop.group(1)}\s*\]", body):
                found |= set(re.findall(rf'"({NAME})"', loop.group(2)))
        found |= {prefix + "<>" for prefix in FAMILY.findall(text)}
    return found


def test_the_source_scan_finds_variables_of_every_kind_of_read():
    found = variables_read()
    # environment[…], required(…), getenv(…), setting(…, …), a loop over names, a family.
    assert {"AWS_REGION", "USER_POOL_IDS", "TMPDIR", "AWS_ROLE_ARN", "SSL_CERT_FILE", "COGNITO_TPS_<>"} <= found, sorted(found)
    assert "ALL_OLD" not in found and "FORCE_CHANGE_PASSWORD" not in found


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

PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
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

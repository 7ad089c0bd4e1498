"""docs/man/cognito-backup.1 is what swift-argument-parser's generate-manual plugin makes of the
code (scripts/generate-man.sh), and it documents every subcommand and option `--help` shows."""

from __future__ import annotations

import re
import shutil
import subprocess

from conftest import BINARY, ROOT

PAGE = ROOT / "docs/man/cognito-backup.1"
GENERATE = ROOT / "scripts/generate-man.sh"


def check(directory) -> subprocess.CompletedProcess:
    return subprocess.run([str(GENERATE), "--check", str(directory)], capture_output=True, text=True, timeout=600)


def help_text(*command: str) -> str:
    run = subprocess.run([BINARY, *command, "--help"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    return run.stdout


def subcommands() -> list[str]:
    listing = help_text().split("SUBCOMMANDS:\n", 1)[1]
    return re.findall(r"^  (\w[\w-]*)  ", listing, flags=re.MULTILINE)


def test_man_page_is_current_with_the_code():
    run = check(PAGE.parent)
    assert run.returncode == 0, run.stdout + run.stderr


def test_check_reports_a_page_the_code_no_longer_makes(tmp_path):
    stale = PAGE.read_text().replace("Show help information.", "Show some help.", 1)
    assert stale != PAGE.read_text()
    (tmp_path / PAGE.name).write_text(stale)
    run = check(tmp_path)
    assert run.returncode == 1
    assert "is not current with the code" in run.stderr
    assert "-Show some help." in run.stderr  # the difference, page side first


def page_sections() -> dict[str, str]:
    """Each subcommand's part of the page: from its `.It Em name` to the next one."""
    parts = re.split(r"^\.It Em ([\w-]+)$", PAGE.read_text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def test_man_page_names_every_subcommand_and_option():
    sections = page_sections()
    names = subcommands()
    assert {"backup", "list", "restore", "verify", "drill"} <= set(names)
    for name in names:
        assert name in sections, f"no section for {name}"
        options = set(re.findall(r"^\s+(?:-\w, )?--([a-z][\w-]*)", help_text(name), flags=re.MULTILINE))
        # Every command takes the AWS options at least: a parse that found none went wrong.
        assert {"region", "profile"} <= options, f"options not parsed from `{name} --help`: {options}"
        missing = sorted(option for option in options  # `-h, --help` is `Fl h , -help`
                         if not re.search(rf"^\.It Fl (?:\w , )?-{re.escape(option)}\b", sections[name], flags=re.MULTILINE))
        assert missing == [], f"{name}: {missing}"


def test_man_page_renders():
    if shutil.which("man") is None:
        assert re.match(r'\.\\" .*\n\.Dd \w+ \d+, \d{4}\n\.Dt COGNITO-BACKUP 1\n', PAGE.read_text())
        return
    run = subprocess.run(["man", "-l", str(PAGE)], capture_output=True, text=True, timeout=60,
                         env={"MANWIDTH": "100", "MANPAGER": "cat", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("COGNITO-BACKUP(1)")
    assert "Back up and restore Amazon Cognito user pools." in run.stdout


def test_help_texts_are_ascii_because_the_man_page_generator_drops_other_characters():
    # generate-manual keeps only ASCII characters (swift-argument-parser's
    # Tools/generate-manual/MDoc/String+Escaping.swift), so "old → new" would read "old  new".
    for name in ["", *subcommands()]:
        text = help_text(*([name] if name else []))
        assert [line for line in text.splitlines() if not line.isascii()] == [], name or "cognito-backup"

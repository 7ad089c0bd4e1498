"""scripts/install.sh puts the binary, the man page and the shell completions where each is looked
for under a prefix, every one of them usable, and installs the same files when run again."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest

from conftest import BINARY, ROOT

INSTALL = ROOT / "scripts/install.sh"
FILES = {
    "binary": "bin/cognito-backup",
    "man": "share/man/man1/cognito-backup.1",
    "bash": "share/bash-completion/completions/cognito-backup",
    "zsh": "share/zsh/site-functions/_cognito-backup",
    "fish": "share/fish/vendor_completions.d/cognito-backup.fish",
}


def install(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(INSTALL), *arguments], capture_output=True, text=True, timeout=120)


def subcommands(binary) -> list[str]:
    listing = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=30, check=True).stdout
    names = re.findall(r"^  (\w[\w-]*)  ", listing.split("SUBCOMMANDS:\n", 1)[1], flags=re.MULTILINE)
    assert {"backup", "list", "restore", "verify", "drill"} <= set(names)
    return names


def digests(prefix) -> dict[str, str]:
    return {str(path.relative_to(prefix)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(prefix.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    run = install("--prefix", str(prefix), "--binary", BINARY)
    assert run.returncode == 0, run.stderr
    return prefix


def test_install_puts_each_file_where_it_is_looked_for(prefix):
    assert sorted(digests(prefix)) == sorted(FILES.values())
    assert (prefix / FILES["binary"]).stat().st_mode & 0o111
    for name in ("man", "bash", "zsh", "fish"):
        assert (prefix / FILES[name]).stat().st_mode & 0o777 == 0o644, name


def test_installed_binary_is_the_one_given_and_runs(prefix):
    installed = prefix / FILES["binary"]
    assert installed.read_bytes() == open(BINARY, "rb").read()
    run = subprocess.run([str(installed), "--help"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0
    assert "USAGE: cognito-backup <subcommand>" in run.stdout


def test_installed_man_page_is_the_generated_one_and_renders(prefix):
    page = prefix / FILES["man"]
    assert page.read_bytes() == (ROOT / "docs/man/cognito-backup.1").read_bytes()
    if shutil.which("man") is None:
        assert re.match(r'\.\\" .*\n\.Dd \w+ \d+, \d{4}\n\.Dt COGNITO-BACKUP 1\n', page.read_text())
        return
    # As a reader finds it: by name, through the prefix's share/man.
    run = subprocess.run(["man", "-M", str(prefix / "share/man"), "cognito-backup"], capture_output=True, text=True,
                         timeout=60, env={"MANWIDTH": "100", "MANPAGER": "cat", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("COGNITO-BACKUP(1)")
    for name in subcommands(prefix / FILES["binary"]):
        assert re.search(rf"^\s+{name}\s", run.stdout, flags=re.MULTILINE), name


@pytest.mark.parametrize("shell, registration, option", [
    ("bash", r"^complete -o filenames -F _cognito-backup cognito-backup$", "--{}"),
    ("zsh", r"\A#compdef cognito-backup\n", "--{}"),
    ("fish", r"^complete -c 'cognito-backup' ", "-l '{}'"),
])
def test_installed_completion_registers_for_the_command_and_offers_each_subcommand(prefix, shell, registration, option):
    script = (prefix / FILES[shell]).read_text()
    assert re.search(registration, script, flags=re.MULTILINE), f"{shell} completion does not register cognito-backup"
    for name in subcommands(prefix / FILES["binary"]):
        assert re.search(rf"\b{name}\b", script), f"{shell} completion lacks {name}"
    for name in ("pool-id", "mapping-file", "target-pool-id"):
        assert option.format(name) in script, f"{shell} completion lacks --{name}"
    checker = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}[shell]
    if shutil.which(checker[0]) is not None:
        run = subprocess.run([*checker, str(prefix / FILES[shell])], capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, run.stderr


def test_install_again_installs_the_same_files(prefix):
    before = digests(prefix)
    run = install("--prefix", str(prefix), "--binary", BINARY)
    assert run.returncode == 0, run.stderr
    assert digests(prefix) == before


def test_install_refuses_a_binary_that_is_not_there_and_installs_nothing(tmp_path):
    run = install("--prefix", str(tmp_path / "prefix"), "--binary", str(tmp_path / "missing"))
    assert run.returncode == 2
    assert "is not an executable" in run.stderr
    assert not (tmp_path / "prefix").exists()


def test_install_refuses_an_unknown_argument(tmp_path):
    run = install("--prefix", str(tmp_path), "--bin", BINARY)
    assert run.returncode == 64
    assert "unknown argument --bin" in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_install_without_a_binary_builds_release_and_a_failed_build_installs_nothing(tmp_path):
    # A stand-in `swift` records how it was called and fails as a broken build would, so the
    # test neither runs a release build nor touches the package's .build.
    calls = tmp_path / "calls"
    stub = tmp_path / "bin/swift"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexit 1\n')
    stub.chmod(0o755)
    env = {"PATH": f"{stub.parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run([str(INSTALL), "--prefix", str(tmp_path / "prefix")], capture_output=True, text=True,
                         timeout=60, env=env)
    assert run.returncode == 1
    assert calls.read_text() == "build -c release --product cognito-backup\n"
    assert not (tmp_path / "prefix").exists()

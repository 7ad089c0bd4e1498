"""docs/design.md's module map is the truth about the layers: each module's `imports` cell names
exactly the targets Package.swift gives it, and its sources import exactly those (so a layer that
starts reaching past the one below it, or a map that goes stale, fails here)."""

from __future__ import annotations

import re

from conftest import ROOT

# Modules of the toolchain and the system, not targets of the package.
PLATFORM = {"Glibc", "Synchronization", "Dispatch", "Foundation"}


def package_targets() -> dict[str, set[str]]:
    """Each target of the product in Package.swift (not the tests' own) and its `dependencies`."""
    text = (ROOT / "Package.swift").read_text()
    chunks = re.split(r"\.(?=(?:systemLibrary|target|executableTarget|testTarget)\()", text)[1:]
    targets = {}
    for chunk in chunks:
        if chunk.startswith("testTarget") or 'path: "Tests/' in chunk:
            continue
        name = re.search(r'name:\s*"([^"]+)"', chunk).group(1)
        deps = re.search(r"dependencies:\s*\[(.*?)\]", chunk, re.S)
        names = set(re.findall(r'"([^"]+)"', deps.group(1))) if deps else set()
        # Another package's product is named with its package; the product is what is imported.
        targets[name] = names - {"swift-argument-parser"}
    return targets


def design_map() -> dict[str, set[str]]:
    text = (ROOT / "docs" / "design.md").read_text()
    section = text.split("## Modules", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        imports = set(re.findall(r"`([^`]+)`", cells[2]))
        for module in re.findall(r"`([^`]+)`", cells[0]):
            rows[module] = imports
    return rows


def source_imports(target: str) -> set[str]:
    found = set()
    for path in (ROOT / "Sources" / target).rglob("*.swift"):
        found |= set(re.findall(r"^(?:@testable )?import (\w+)", path.read_text(), re.M))
    return found - PLATFORM


def test_the_design_module_map_names_every_target_with_its_package_dependencies():
    targets = package_targets()
    rows = design_map()
    assert set(rows) == set(targets), (f"docs/design.md's module map and Package.swift name different modules: "
                                       f"only in the map {sorted(set(rows) - set(targets))}, only in Package.swift {sorted(set(targets) - set(rows))}")
    for name, deps in targets.items():
        assert rows[name] == deps, f"{name}: docs/design.md says {sorted(rows[name])}, Package.swift {sorted(deps)}"


def test_each_module_imports_exactly_what_package_swift_gives_it():
    for name, deps in package_targets().items():
        if not any((ROOT / "Sources" / name).rglob("*.swift")):
            continue
        assert source_imports(name) == deps, f"{name} imports {sorted(source_imports(name))}, declares {sorted(deps)}"


def test_lambda_runtime_knows_http_but_not_signing_or_the_aws_client():
    assert source_imports("LambdaRuntime") == {"HTTP", "Support", "JSON"}

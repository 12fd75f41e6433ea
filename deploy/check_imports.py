#!/usr/bin/env python3
"""Package.swift is the real module graph: every module a target's sources import is one of
its declared dependencies (a target or a product), and nothing builds only because a
dependency happens to bring a module along. Run by deploy/local/test.sh; exits 1 on a gap."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SYSTEM = {"Foundation", "FoundationNetworking", "FoundationEssentials", "Testing", "Dispatch", "Glibc", "Musl", "XCTest"}

package = (ROOT / "Package.swift").read_text()
targets = re.findall(r'\.(?:target|executableTarget|testTarget)\(\s*name: "([^"]+)",\s*dependencies: \[(.*?)\],\s*path: "([^"]+)"', package, re.S)
if not targets:
    sys.exit("check_imports: no targets found in Package.swift")

problems = []
for name, dependencies, path in targets:
    declared = set(re.findall(r'\.product\(name: "([^"]+)"', dependencies))
    declared |= set(re.findall(r'^\s*"([^"]+)",?\s*$', dependencies, re.M))
    imported = set()
    for source in (ROOT / path).rglob("*.swift"):
        imported |= set(re.findall(r"^(?:@testable |@preconcurrency |@_spi\(\w+\) )?import (\w+)", source.read_text(), re.M))
    for module in sorted(imported - declared - SYSTEM):
        problems.append(f"{name} imports {module} but Package.swift does not declare it")
    for module in sorted(declared - imported):
        problems.append(f"{name} declares {module} but no source of it imports it")

for problem in problems:
    print(f"check_imports: {problem}")
print(f"check_imports: {len(targets)} targets, {len(problems)} problems")
sys.exit(1 if problems else 0)

"""constraints.txt pins every dependency pyproject.toml names, within pyproject's ranges.

The Makefile installs with ``-c constraints.txt`` so that a fresh clone gets the versions
the suite last passed with. A dependency added to pyproject.toml without a pin would be
installed at whatever version is newest that day, and a pin outside pyproject's range
would make pip refuse to install at all; both are caught here rather than on a fresh
machine.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# pinned by the Makefile's TORCH instead (its CPU build carries a local label, +cpu)
PINNED_ELSEWHERE = {"torch"}


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt: not an exact pin: {line!r}"
        key = canonicalize_name(name)
        assert key not in pins, f"constraints.txt pins {name} twice"
        pins[key] = Version(version)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        declared += [Requirement(r) for r in extra]
    return declared


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    declared = _declared()
    assert len(declared) > 20  # the parse found pyproject's lists
    problems = []
    for req in declared:
        key = canonicalize_name(req.name)
        if key in PINNED_ELSEWHERE:
            assert key not in pins, f"{req.name} is pinned by the Makefile, not here"
            continue
        if key not in pins:
            problems.append(f"{req.name}: not pinned")
        elif not req.specifier.contains(pins[key], prereleases=True):
            problems.append(f"{req.name}: pin {pins[key]} is outside {req.specifier}")
    assert not problems, "constraints.txt: " + "; ".join(problems)


def test_the_makefile_installs_with_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [
        line
        for line in makefile.splitlines()
        if "pip install" in line and "--upgrade pip" not in line
    ]
    unconstrained = [
        line.strip()
        for line in installs
        if "-c constraints.txt" not in line and "LOCK_VENV" not in line
    ]
    assert installs and not unconstrained, f"installs without the pins: {unconstrained}"

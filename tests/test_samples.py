"""The sample set: every clean type validates clean; every planted problem is found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.configset import ConfigSet, Resolution

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"
# A typical shell: nothing but HOME and PATH, so the result does not depend on the machine.
QUIET_ENV = {"HOME": "/home/dev", "PATH": "/usr/bin:/bin"}
KINDS = {
    "syntax",
    "duplicate-key",
    "unknown-tag",
    "interpolation",
    "schema",
    "plaintext-secret",
    "yaml11",
    "unknown-key",
    "kind-change",
    "secrets",
}
# The DEMO age key the samples' encrypted layers are encrypted for (make run uses it).
DEMO_KEY = (SAMPLES / "demo-age-key.txt").read_text()
DEMO_IDENTITIES = [line for line in DEMO_KEY.splitlines() if line.startswith("AGE-SECRET-KEY-")]


def resolve(override_type: str | None, **env: str) -> Resolution:
    config = ConfigSet(SAMPLES, identities=lambda recipients: DEMO_IDENTITIES)
    context = config.context(
        override_type=override_type, process_env={**QUIET_ENV, **env}, platform="linux"
    )
    return config.resolve(context)


def expected_markers() -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted((SAMPLES / "overrides").glob("*.yml")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines, start=1):
            for match in re.finditer(r"# expect(-next)?: ([a-z0-9-]+)", line):
                target = number + 1 if match.group(1) else number
                found.add((f"overrides/{path.name}", target, match.group(2)))
    return found


@pytest.mark.parametrize("override_type", [None, "docker", "local", "testing"])
def test_clean_types_have_no_problems_at_all(override_type: str | None) -> None:
    resolution = resolve(override_type)
    assert [str(p) for p in resolution.problems] == []


@pytest.mark.parametrize(
    ("override_type", "env", "layer"),
    [("docker", {"NVIDIA_VISIBLE_DEVICES": "all"}, "docker-gpu"), ("testing", {"CI": "1"}, "ci")],
)
def test_conditional_layers_are_clean_too(override_type: str, env: dict, layer: str) -> None:
    resolution = resolve(override_type, **env)
    assert layer in [active.name for active in resolution.active_layers]
    assert [str(p) for p in resolution.problems] == []


def test_broken_type_reports_every_planted_problem_at_its_line() -> None:
    resolution = resolve("broken")
    reported = {(p.file, p.line, p.code) for p in resolution.problems}
    expected = expected_markers()
    assert {code for _, _, code in expected} >= KINDS, "the broken type must plant every kind"
    missing = expected - reported
    assert not missing, f"planted but not reported: {sorted(missing)}"
    unexpected = {r for r in reported if r not in expected}
    assert not unexpected, f"reported but not planted: {sorted(unexpected)}"


def test_every_directive_and_interpolation_form_is_used() -> None:
    text = "\n".join(p.read_text() for p in SAMPLES.rglob("*.yml") if "broken" not in p.name)
    for directive in ("!replace", "!unset", "!append", "!prepend"):
        assert directive in text
    for form in (
        r"\$\{[A-Z_]+\}",
        r"\$\{[A-Z_]+:-",
        r"\$\{[A-Z_]+-",
        r"\$\{[A-Z_]+:\?",
        r"\$\{[A-Z_]+\?",
        r"\$\$",
        r"\$\{[A-Z_]+:-\$\{",
    ):
        assert re.search(form, text), form


def test_why_a_known_value_won() -> None:
    resolution = resolve("docker")
    node = resolution.get("database.pool.max_size")
    assert node is not None
    assert (node.layer, node.file) == ("docker", "overrides/docker.yml")
    assert [d.layer for d in node.overridden] == ["base"]
    port = resolution.get("database.port")
    assert port is not None and port.value == 5432 and port.trace is not None
    assert [(r.name, r.value, r.used_default) for r in port.trace] == [("DB_PORT", None, True)]

"""Tests for core.activation: metadata, the context and what-ifs, verdicts and reasons."""

from __future__ import annotations

import sys
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from core.activation import evaluate, merge_order
from core.context import NO_TYPE, Context
from core.loading import read_file
from core.metadata import BASE_PRIORITY, DEFAULT_PRIORITY, INVALID, layer_file
from core.model import LayerFile, Origin, Problem, Verdict


class SetBuilder:
    """Writes layer files into a temporary set and reads them as the engine does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.layers: list[LayerFile] = []
        self.problems: list[Problem] = []

    def add(self, name: str, text: str = "a: 1\n", *, base: bool = False) -> LayerFile:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"))
        parsed = read_file(path, name)
        assert [p for p in parsed.problems if p.severity == "error"] == []
        layer, problems = layer_file(path, name, parsed.root, is_base=base, order=len(self.layers))
        self.layers.append(layer)
        self.problems.extend(problems)
        return layer


@pytest.fixture
def layers(tmp_path: Path) -> SetBuilder:
    return SetBuilder(tmp_path)


def ctx(**kwargs: Any) -> Context:
    kwargs.setdefault("process_env", {})
    kwargs.setdefault("platform", "linux")
    return Context.build(**kwargs)


def verdict_of(verdicts: list[Verdict], name: str) -> Verdict:
    (found,) = [v for v in verdicts if v.layer == name]
    return found


def one(layers: SetBuilder, conditions: str, context: Context) -> Verdict:
    """The verdict of a single override with these conditions (indented YAML lines)."""
    text = "_metadata:\n  conditions:\n" + "".join(
        f"    {line}\n" for line in dedent(conditions).strip("\n").splitlines()
    )
    layers.layers.clear()
    layers.add("overrides/x.yml", text + "a: 2\n")
    assert layers.problems == []
    verdicts, problems = evaluate(layers.layers, context)
    assert problems == []
    return verdicts[0]


# --- metadata ------------------------------------------------------------------


def test_defaults_without_metadata(layers: SetBuilder) -> None:
    layer = layers.add("overrides/docker.yml", "a: 1\n")
    assert (layer.name, layer.priority, layer.description, layer.conditions) == (
        "docker",
        DEFAULT_PRIORITY,
        "",
        {},
    )
    assert DEFAULT_PRIORITY == 10
    assert layer.metadata_origin is None
    assert not layer.is_base and layer.order == 0
    assert layer.root is not None and "a" in layer.root.value
    base = layers.add("base.yml", base=True)
    assert (base.name, base.priority, base.is_base, base.order) == ("base", BASE_PRIORITY, True, 1)


def test_metadata_is_read(layers: SetBuilder) -> None:
    layer = layers.add(
        "overrides/dock.yml",
        """
        a: 1
        _metadata:
          name: docker
          priority: 30
          description: Containerised development stack
          conditions:
            environment: [development, staging]
            override_type: docker
            env:
              DOCKER_HOST: present
              CI: absent
              LOG_LEVEL: debug
              PORT: 8080
              HOSTNAME: {regex: "^ci-"}
            platform: [linux, darwin]
            requires: local
        """,
    )
    assert layers.problems == []
    assert layer.name == "docker"
    assert layer.priority == 30
    assert layer.description == "Containerised development stack"
    assert layer.metadata_origin == Origin("overrides/dock.yml", 2, 1)
    assert layer.conditions == {
        "environment": ["development", "staging"],
        "override_type": ["docker"],
        "env": {
            "DOCKER_HOST": "present",
            "CI": "absent",
            "LOG_LEVEL": "debug",
            "PORT": "8080",
            "HOSTNAME": {"regex": "^ci-"},
        },
        "platform": ["linux", "darwin"],
        "requires": ["local"],
    }
    # the root stays whole: the merge skips _metadata itself
    assert layer.root is not None and set(layer.root.value) == {"a", "_metadata"}


def test_metadata_problems_with_lines(layers: SetBuilder) -> None:
    layer = layers.add(
        "overrides/bad.yml",
        """
        _metadata:
          name: bad
          prority: 3
          priority: high
          conditions:
            enviroment: production
            env:
              DOCKER_HOST: [a, b]
              HOSTNAME: {regex: "("}
              USER: {regx: x}
            platform: []
        a: 1
        """,
    )
    got = [(p.severity, p.message, p.line, p.column, p.path) for p in layers.problems]
    assert got == [
        ("error", "unknown metadata key 'prority' (did you mean 'priority'?); the keys are"
         " name, priority, description, conditions, interpolation", 3, 3, "_metadata.prority"),
        ("error", "priority must be a whole number, not the string 'high'; the default 10"
         " is used", 4, 3, "_metadata.priority"),
        ("error", "unknown condition 'enviroment' (did you mean 'environment'?); the"
         " conditions are environment, override_type, env, platform, requires", 6, 5,
         "_metadata.conditions.enviroment"),
        ("error", "the condition on DOCKER_HOST must be present, absent, an exact value or"
         " {regex: ...}, not a list", 8, 7, "_metadata.conditions.env.DOCKER_HOST"),
        ("error", "the regex for HOSTNAME is not a valid regular expression (missing ),"
         " unterminated subpattern at position 0)", 9, 18,
         "_metadata.conditions.env.HOSTNAME.regex"),
        ("error", "the condition on USER may only hold 'regex', not 'regx' (did you mean"
         " 'regex'?)", 10, 14, "_metadata.conditions.env.USER"),
        ("error", "condition 'platform' is an empty list: nothing can match", 11, 5,
         "_metadata.conditions.platform"),
    ]  # fmt: skip
    assert all(p.code == "activation" and p.layer == "bad" for p in layers.problems)
    assert all(p.file == "overrides/bad.yml" for p in layers.problems)
    assert layer.priority == DEFAULT_PRIORITY
    assert layer.conditions == {
        INVALID: [
            "unknown condition 'enviroment'",
            "the condition on DOCKER_HOST",
            "the condition on HOSTNAME",
            "the condition on USER",
            "condition 'platform'",
        ]
    }
    # conditions that cannot be read make the layer inactive, never active by accident
    verdicts, _ = evaluate(layers.layers, ctx())
    assert verdicts[0].active is False
    assert verdicts[0].reasons == (
        "unknown condition 'enviroment' cannot be evaluated (see problems)",
        "the condition on DOCKER_HOST cannot be evaluated (see problems)",
        "the condition on HOSTNAME cannot be evaluated (see problems)",
        "the condition on USER cannot be evaluated (see problems)",
        "condition 'platform' cannot be evaluated (see problems)",
    )


def test_metadata_wrong_shapes(layers: SetBuilder) -> None:
    layers.add("overrides/a.yml", "_metadata: [1, 2]\nb: 1\n")
    layers.add("overrides/b.yml", "_metadata:\n  name: ''\n  conditions: docker\n")
    layers.add("overrides/c.yml", "_metadata:\n  priority: true\n  description: [x]\n")
    got = [(p.file, p.message, p.line) for p in layers.problems]
    assert got == [
        ("overrides/a.yml", "_metadata must be a mapping of name, priority, description,"
         " conditions, interpolation, not a list", 1),
        ("overrides/b.yml", "the layer name must be a non-empty string, not an empty string;"
         " the file stem 'b' is used", 2),
        ("overrides/b.yml", "conditions must be a mapping of condition names to values, not"
         " the string 'docker'; the layer is inactive", 3),
        ("overrides/c.yml", "priority must be a whole number, not the boolean true; the"
         " default 10 is used", 2),
        ("overrides/c.yml", "description must be text, not a list", 3),
    ]  # fmt: skip
    assert [layer.name for layer in layers.layers] == ["a", "b", "c"]
    verdicts, _ = evaluate(layers.layers, ctx())
    assert [(v.layer, v.active) for v in verdicts] == [("a", True), ("b", False), ("c", True)]


def test_base_metadata_conditions_and_priority_are_ignored(layers: SetBuilder) -> None:
    base = layers.add(
        "base.yml",
        """
        _metadata:
          name: defaults
          description: Shared defaults
          priority: 99
          conditions:
            environment: production
        a: 1
        """,
        base=True,
    )
    assert (base.name, base.description, base.priority, base.conditions) == (
        "defaults",
        "Shared defaults",
        BASE_PRIORITY,
        {},
    )
    got = [(p.severity, p.message, p.line) for p in layers.problems]
    assert got == [
        ("warning", "a priority on a base file is ignored: base files always sit below every"
         " override, in the order the manifest lists them", 4),
        ("warning", "conditions on a base file are ignored: base files are always active", 5),
    ]  # fmt: skip
    verdicts, problems = evaluate(layers.layers, ctx(environment="development"))
    assert problems == []
    assert verdicts == [
        Verdict("defaults", "base.yml", 0, True, ("always active (base)",), is_base=True)
    ]


# --- each condition, true and false ----------------------------------------------


def test_environment_condition(layers: SetBuilder) -> None:
    want = "environment: [development, staging]"
    v = one(layers, want, ctx(environment="staging"))
    assert (v.active, v.reasons) == (
        True,
        ("environment is 'staging', one of [development, staging]",),
    )
    v = one(layers, want, ctx(environment="production"))
    assert (v.active, v.reasons) == (
        False,
        ("environment is 'production'; condition wants one of [development, staging]",),
    )
    v = one(layers, "environment: production", ctx(environment="production"))
    assert (v.active, v.reasons) == (True, ("environment is 'production'",))
    v = one(layers, "environment: production", ctx())
    assert (v.active, v.reasons) == (
        False,
        ("environment is 'development'; condition wants 'production'",),
    )


def test_override_type_condition(layers: SetBuilder) -> None:
    v = one(layers, "override_type: docker", ctx(override_type="docker"))
    assert (v.active, v.reasons) == (True, ("override type is 'docker'",))
    v = one(layers, "override_type: docker", ctx())
    assert (v.active, v.reasons) == (
        False,
        ("override type is not set; condition wants 'docker'",),
    )
    v = one(layers, "override_type: [docker, podman]", ctx(override_type="k8s"))
    assert (v.active, v.reasons) == (
        False,
        ("override type is 'k8s'; condition wants one of [docker, podman]",),
    )
    v = one(layers, "override_type: [docker, podman]", ctx(override_type="podman"))
    assert (v.active, v.reasons) == (True, ("override type is 'podman', one of [docker, podman]",))


@pytest.mark.parametrize(
    ("spec", "env", "active", "reason"),
    [
        ("present", {"DOCKER_HOST": "tcp://x"}, True, "DOCKER_HOST is present"),
        ("present", {"DOCKER_HOST": ""}, True, "DOCKER_HOST is present"),
        ("present", {}, False, "DOCKER_HOST is not set; condition wants it present"),
        ("absent", {}, True, "DOCKER_HOST is not set"),
        ("absent", {"DOCKER_HOST": "x"}, False, "DOCKER_HOST is set; condition wants it absent"),
        ("tcp://x", {"DOCKER_HOST": "tcp://x"}, True, "DOCKER_HOST is 'tcp://x'"),
        ("tcp://x", {"DOCKER_HOST": "tcp://y"}, False,
         "DOCKER_HOST is 'tcp://y'; condition wants 'tcp://x'"),
        ("tcp://x", {}, False, "DOCKER_HOST is not set; condition wants 'tcp://x'"),
        ('{regex: "^tcp://"}', {"DOCKER_HOST": "tcp://x"}, True,
         "DOCKER_HOST 'tcp://x' matches /^tcp:///"),
        ('{regex: "^tcp://"}', {"DOCKER_HOST": "unix:///s"}, False,
         "DOCKER_HOST is 'unix:///s'; condition wants a match for /^tcp:///"),
        ('{regex: "^tcp://"}', {}, False,
         "DOCKER_HOST is not set; condition wants a match for /^tcp:///"),
    ],
)  # fmt: skip
def test_env_condition(
    layers: SetBuilder, spec: str, env: dict[str, str], active: bool, reason: str
) -> None:
    v = one(layers, f"env:\n  DOCKER_HOST: {spec}", ctx(process_env=env))
    assert (v.active, v.reasons) == (active, (reason,))


def test_env_values_of_secret_variables_are_hidden(layers: SetBuilder) -> None:
    v = one(layers, "env:\n  API_TOKEN: expected", ctx(process_env={"API_TOKEN": "s3cr3t"}))
    assert v.reasons == ("API_TOKEN has another value (hidden); condition wants 'expected'",)
    v = one(layers, 'env:\n  API_TOKEN: {regex: "^s"}', ctx(process_env={"API_TOKEN": "s3cr3t"}))
    assert v.reasons == ("API_TOKEN matches /^s/",)
    assert "s3cr3t" not in " ".join(v.reasons)


def test_platform_condition(layers: SetBuilder) -> None:
    v = one(layers, "platform: [linux, darwin]", ctx(platform="linux"))
    assert (v.active, v.reasons) == (True, ("platform 'linux' matches linux",))
    v = one(layers, "platform: win", ctx(platform="win32"))
    assert (v.active, v.reasons) == (True, ("platform 'win32' matches win",))
    v = one(layers, "platform: [linux, darwin]", ctx(platform="win32"))
    assert (v.active, v.reasons) == (
        False,
        ("platform is 'win32'; condition wants one of [linux, darwin]",),
    )


def test_every_reason_listed_failing_first(layers: SetBuilder) -> None:
    conditions = """
    environment: development
    env:
      DOCKER_HOST: present
      CI: absent
    platform: linux
    """
    v = one(layers, conditions, ctx(process_env={"CI": "1"}, platform="darwin"))
    assert v.active is False
    assert v.reasons == (
        "DOCKER_HOST is not set; condition wants it present",
        "CI is set; condition wants it absent",
        "platform is 'darwin'; condition wants 'linux'",
        "environment is 'development'",
    )
    assert v.summary.startswith("inactive: DOCKER_HOST is not set")


def test_no_conditions_is_always_active(layers: SetBuilder) -> None:
    layers.add("overrides/plain.yml")
    verdicts, problems = evaluate(layers.layers, ctx())
    assert problems == []
    assert verdicts == [
        Verdict("plain", "overrides/plain.yml", 10, True, ("always active (no conditions)",))
    ]


# --- ordering ------------------------------------------------------------------


def test_merge_order_bases_then_priority_then_file_order(layers: SetBuilder) -> None:
    layers.add("common.yml", base=True)
    layers.add("base.yml", base=True)
    layers.add("overrides/a.yml", "_metadata: {priority: 30}\n")
    layers.add("overrides/b.yml", "_metadata: {priority: -5}\n")
    layers.add("overrides/c.yml")  # default 10
    layers.add("overrides/d.yml", "_metadata: {priority: 30}\n")
    layers.add("overrides/e.yml", "_metadata: {priority: 10}\n")
    # evaluation does not depend on the order the layers are handed over
    verdicts, problems = evaluate(list(reversed(layers.layers)), ctx())
    assert problems == []
    assert [(v.layer, v.priority, v.is_base) for v in verdicts] == [
        ("common", 0, True),
        ("base", 0, True),
        ("b", -5, False),
        ("c", 10, False),
        ("e", 10, False),  # tie with c: the later file sorts later and wins
        ("a", 30, False),
        ("d", 30, False),
    ]
    assert [layer.name for layer in merge_order(layers.layers)] == [v.layer for v in verdicts]


# --- requires ------------------------------------------------------------------


def test_requires_chain_resolves_transitively(layers: SetBuilder) -> None:
    # listed so that each layer comes before the one it requires
    layers.add("overrides/c.yml", "_metadata: {conditions: {requires: b}}\n")
    layers.add("overrides/b.yml", "_metadata: {conditions: {requires: [a]}}\n")
    layers.add("overrides/a.yml", "_metadata: {conditions: {environment: staging}}\n")
    verdicts, problems = evaluate(layers.layers, ctx(environment="staging"))
    assert problems == []
    assert [(v.layer, v.active, v.reasons) for v in verdicts] == [
        ("c", True, ("requires b, which is active",)),
        ("b", True, ("requires a, which is active",)),
        ("a", True, ("environment is 'staging'",)),
    ]
    verdicts, problems = evaluate(layers.layers, ctx(environment="production"))
    assert problems == []
    assert [(v.layer, v.active, v.reasons) for v in verdicts] == [
        ("c", False, ("requires b, which is inactive",)),
        ("b", False, ("requires a, which is inactive",)),
        ("a", False, ("environment is 'production'; condition wants 'staging'",)),
    ]


def test_requires_a_base_layer_and_its_own_conditions(layers: SetBuilder) -> None:
    layers.add("base.yml", base=True)
    layers.add(
        "overrides/local.yml",
        "_metadata:\n  conditions:\n    requires: [base]\n    environment: production\n",
    )
    verdicts, _ = evaluate(layers.layers, ctx())
    assert verdict_of(verdicts, "local").reasons == (
        "environment is 'development'; condition wants 'production'",
        "requires base, which is active",
    )
    assert verdict_of(verdicts, "local").active is False


def test_requires_cycle_terminates_with_a_problem(layers: SetBuilder) -> None:
    layers.add("overrides/a.yml", "_metadata:\n  conditions:\n    requires: b\n")
    layers.add("overrides/b.yml", "_metadata:\n  conditions:\n    requires: [c]\n")
    layers.add("overrides/c.yml", "_metadata:\n  conditions:\n    requires: [a]\n")
    layers.add("overrides/d.yml", "_metadata:\n  conditions:\n    requires: [c]\n")
    verdicts, problems = evaluate(layers.layers, ctx())
    assert [(p.severity, p.message, p.file, p.line, p.code, p.layer) for p in problems] == [
        (
            "error",
            "requires cycle: a → b → c → a; layers in a cycle are inactive unless forced on",
            "overrides/a.yml",
            3,
            "activation",
            "a",
        )
    ]
    assert [(v.layer, v.active, v.reasons) for v in verdicts] == [
        ("a", False, ("requires b, which is in a requires cycle (a → b → c → a)",)),
        ("b", False, ("requires c, which is in a requires cycle (a → b → c → a)",)),
        ("c", False, ("requires a, which is in a requires cycle (a → b → c → a)",)),
        ("d", False, ("requires c, which is inactive",)),
    ]


def test_self_requirement_is_a_cycle(layers: SetBuilder) -> None:
    layers.add("overrides/a.yml", "_metadata:\n  conditions:\n    requires: [a]\n")
    verdicts, problems = evaluate(layers.layers, ctx())
    assert [p.message for p in problems] == [
        "requires cycle: a → a; layers in a cycle are inactive unless forced on"
    ]
    assert verdicts[0].active is False
    # a cycle member forced on is active; the cycle is still reported
    verdicts, problems = evaluate(layers.layers, ctx(force_on=["a"]))
    assert len(problems) == 1
    assert (verdicts[0].active, verdicts[0].forced) == (True, True)
    assert verdicts[0].reasons == (
        "forced on by what-if",
        "requires a, which is in a requires cycle (a → a)",
    )


def test_long_requires_chain_has_no_recursion_limit(layers: SetBuilder, tmp_path: Path) -> None:
    count = 3000
    # build LayerFiles directly: writing 3000 files is slow and tests nothing more
    from dataclasses import replace

    template = layers.add("overrides/l0.yml")
    chain = [replace(template, name="l0", order=0, conditions={})]
    for i in range(1, count):
        chain.append(
            replace(template, name=f"l{i}", order=i, conditions={"requires": [f"l{i - 1}"]})
        )
    verdicts, problems = evaluate(list(reversed(chain)), ctx())
    assert problems == []
    assert all(v.active for v in verdicts)
    loop = [replace(chain[0], conditions={"requires": [f"l{count - 1}"]}), *chain[1:]]
    verdicts, problems = evaluate(loop, ctx())
    assert [p.message for p in problems] == [
        "requires cycle: l0 → l2999 → l2998 → l2997 → … → l2 → l1 → l0;"
        " layers in a cycle are inactive unless forced on"
    ]
    assert not any(v.active for v in verdicts)


def test_unknown_layer_in_requires(layers: SetBuilder) -> None:
    layers.add("overrides/local.yml")
    layers.add(
        "overrides/x.yml",
        "_metadata:\n  conditions:\n    requires:\n      - local\n      - lokal2\n",
    )
    verdicts, problems = evaluate(layers.layers, ctx())
    assert [(p.severity, p.message, p.file, p.line, p.column) for p in problems] == [
        (
            "error",
            "layer 'x' requires 'lokal2', which is not a layer in this config set"
            " (did you mean 'local'?); the layer is inactive",
            "overrides/x.yml",
            5,
            9,
        )
    ]
    assert verdict_of(verdicts, "x").active is False
    assert verdict_of(verdicts, "x").reasons == (
        "requires 'lokal2', which is not a layer",
        "requires local, which is active",
    )


# --- names ---------------------------------------------------------------------


def test_duplicate_layer_names(layers: SetBuilder) -> None:
    layers.add("overrides/a.yml", "_metadata:\n  name: docker\n")
    layers.add("overrides/b.yml", "x: 1\n_metadata:\n  name: docker\n  priority: 5\n")
    verdicts, problems = evaluate(layers.layers, ctx())
    assert [(p.severity, p.message, p.file, p.line, p.layer) for p in problems] == [
        (
            "error",
            "layer name 'docker' is already used by overrides/a.yml; this layer is called"
            " 'docker@overrides/b.yml' instead",
            "overrides/b.yml",
            3,
            "docker@overrides/b.yml",
        )
    ]
    assert [(v.layer, v.file) for v in verdicts] == [
        ("docker@overrides/b.yml", "overrides/b.yml"),
        ("docker", "overrides/a.yml"),
    ]
    assert [(layer.name, layer.display) for layer in merge_order(layers.layers)] == [
        ("docker@overrides/b.yml", "overrides/b.yml"),
        ("docker", "overrides/a.yml"),
    ]


# --- forced layers ---------------------------------------------------------------


def test_forced_layers(layers: SetBuilder) -> None:
    layers.add("base.yml", base=True)
    layers.add("overrides/docker.yml", "_metadata:\n  conditions: {override_type: docker}\n")
    layers.add("overrides/local.yml")
    layers.add("overrides/needs.yml", "_metadata:\n  conditions: {requires: local}\n")
    context = ctx(force_on=["docker"], force_off=["local", "base", "ghost"])
    verdicts, problems = evaluate(layers.layers, context)
    assert [(p.severity, p.message) for p in problems] == [
        ("warning", "the what-if forces layer 'ghost' off, but there is no such layer")
    ]
    assert [(v.layer, v.active, v.forced, v.reasons) for v in verdicts] == [
        ("base", False, True, ("forced off by what-if",)),
        (
            "docker",
            True,
            True,
            ("forced on by what-if", "override type is not set; condition wants 'docker'"),
        ),
        ("local", False, True, ("forced off by what-if", "always active (no conditions)")),
        ("needs", False, False, ("requires local, which is inactive",)),
    ]
    assert verdicts[1].summary.startswith("active (forced): forced on by what-if")


# --- the context ---------------------------------------------------------------


def test_environment_precedence() -> None:
    manifest = {"environment": "staging"}
    assert ctx().environment == "development"
    assert ctx(manifest_context=manifest).environment == "staging"
    env = {"ENVIRONMENT": "qa"}
    assert ctx(manifest_context=manifest, process_env=env).environment == "qa"
    assert ctx(manifest_context=manifest, process_env=env, environment="prod").environment == (
        "prod"
    )
    assert ctx(process_env={"ENVIRONMENT": ""}).environment == "development"


def test_override_type_precedence() -> None:
    assert ctx().override_type is None
    assert ctx(process_env={"CONFIG_OVERRIDE_TYPE": "docker"}).override_type == "docker"
    assert (
        ctx(process_env={"CONFIG_OVERRIDE_TYPE": "docker"}, override_type="k8s").override_type
        == "k8s"
    )
    assert ctx(manifest_context={"override_type": "local"}).override_type == "local"


def test_real_context_has_no_changes() -> None:
    context = ctx(process_env={"ENVIRONMENT": "qa", "HOME": "/root"}, environment="qa")
    assert context.changes == ()
    assert context.env == {"ENVIRONMENT": "qa", "HOME": "/root"}
    assert context.platform == "linux"
    default = Context.build()
    assert default.platform == sys.platform
    assert default.changes == ()


def test_what_if_changes_text() -> None:
    real = {"ENVIRONMENT": "development", "DOCKER_HOST": "tcp://x", "LOG_LEVEL": "info"}
    context = ctx(
        process_env=real,
        environment="staging",
        override_type="docker",
        set_env={"LOG_LEVEL": "debug", "NEW": "1", "HOME_SAME": "x"},
        unset_env=["DOCKER_HOST", "NEVER_SET"],
        force_on=["docker"],
        force_off=["local"],
    )
    assert context.changes == (
        "ENVIRONMENT=staging (was development)",
        "CONFIG_OVERRIDE_TYPE=docker (was unset)",
        "LOG_LEVEL=debug (was info)",
        "NEW=1 (was unset)",
        "HOME_SAME=x (was unset)",
        "DOCKER_HOST unset",
        "layer docker forced on",
        "layer local forced off",
    )
    assert context.env == {
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "debug",
        "NEW": "1",
        "HOME_SAME": "x",
    }
    assert context.environment == "staging"
    assert context.force_on == frozenset({"docker"})
    assert context.force_off == frozenset({"local"})


def test_setting_environment_variable_changes_the_environment() -> None:
    context = ctx(process_env={"ENVIRONMENT": "development"}, set_env={"ENVIRONMENT": "staging"})
    assert context.environment == "staging"
    assert context.changes == ("ENVIRONMENT=staging (was development)",)
    context = ctx(
        process_env={"CONFIG_OVERRIDE_TYPE": "docker"}, unset_env=["CONFIG_OVERRIDE_TYPE"]
    )
    assert context.override_type is None
    assert context.changes == ("CONFIG_OVERRIDE_TYPE unset (was docker)",)


def test_secret_values_stay_out_of_change_text() -> None:
    context = ctx(process_env={"DB_PASSWORD": "hunter2"}, set_env={"DB_PASSWORD": "new"})
    assert context.changes == ("DB_PASSWORD changed (value hidden)",)
    assert ctx(set_env={"API_TOKEN": "t"}).changes == ("API_TOKEN set",)


def test_set_and_unset_together_and_forced_both_ways() -> None:
    context = ctx(
        process_env={"X": "1"}, set_env={"X": "2"}, unset_env=["X"], force_on=["a"], force_off=["a"]
    )
    assert "X" not in context.env
    assert context.force_on == frozenset()
    assert context.force_off == frozenset({"a"})
    assert context.changes == ("X unset", "layer a forced off")


def test_with_changes_is_relative_to_the_real_baseline() -> None:
    real = {"ENVIRONMENT": "development", "DOCKER_HOST": "tcp://x"}
    start = ctx(process_env=real, manifest_context={"environment": "staging"}, force_off=["docker"])
    assert start.changes == ("layer docker forced off",)

    forced = start.with_changes(force_on=["docker"])
    assert forced.force_on == frozenset({"docker"}) and forced.force_off == frozenset()
    assert forced.changes == ("layer docker forced on",)

    staged = forced.with_changes(environment="production", unset_env=["DOCKER_HOST"])
    assert staged.changes == (
        "ENVIRONMENT=production (was development)",
        "DOCKER_HOST unset",
        "layer docker forced on",
    )
    assert "DOCKER_HOST" not in staged.env

    back = staged.with_changes(environment=None, set_env={"DOCKER_HOST": "tcp://y"})
    assert back.environment == "development"
    assert back.env["DOCKER_HOST"] == "tcp://y"
    assert back.changes == ("DOCKER_HOST=tcp://y (was tcp://x)", "layer docker forced on")

    # unsetting the real environment variable falls back to the manifest's context
    fallback = back.with_changes(unset_env=["ENVIRONMENT"], force_on=[])
    assert fallback.environment == "staging"
    assert fallback.env == {"DOCKER_HOST": "tcp://y"}
    assert fallback.changes == (
        "ENVIRONMENT=staging (was development)",
        "DOCKER_HOST=tcp://y (was tcp://x)",
    )

    on_mac = start.with_changes(platform="darwin")
    assert on_mac.platform == "darwin"
    assert on_mac.changes == ("platform darwin (was linux)", "layer docker forced off")
    assert on_mac.with_changes(platform=None, force_off=[]).changes == ()


def test_with_changes_on_a_context_made_directly() -> None:
    plain = Context("production", None, {"A": "1"}, "linux")
    changed = plain.with_changes(set_env={"B": "2"})
    assert changed.environment == "production"
    assert changed.env == {"A": "1", "B": "2"}
    assert changed.changes == ("B=2 (was unset)",)


def test_what_if_drives_verdicts(layers: SetBuilder) -> None:
    layers.add(
        "overrides/docker.yml",
        "_metadata:\n  conditions:\n    env: {DOCKER_HOST: present}\n",
    )
    real = ctx(process_env={"DOCKER_HOST": "tcp://x"})
    assert evaluate(layers.layers, real)[0][0].active is True
    what_if = real.with_changes(unset_env=["DOCKER_HOST"])
    verdict = evaluate(layers.layers, what_if)[0][0]
    assert (verdict.active, verdict.reasons) == (
        False,
        ("DOCKER_HOST is not set; condition wants it present",),
    )


def test_chosen_environment_and_type_are_the_baseline_not_a_what_if() -> None:
    chosen = Context.build(base_environment="staging", base_override_type="docker", process_env={})
    assert (chosen.environment, chosen.override_type, chosen.changes) == (
        "staging",
        "docker",
        (),
    )
    moved = chosen.with_changes(override_type="local")
    assert moved.override_type == "local"
    assert moved.changes == ("CONFIG_OVERRIDE_TYPE=local (was docker)",)
    assert moved.with_changes(override_type=None).override_type == "docker"


def test_no_type_beats_the_shell_and_the_choice() -> None:
    shell = {"CONFIG_OVERRIDE_TYPE": "docker"}
    none = Context.build(override_type=NO_TYPE, process_env=shell)
    assert none.override_type is None
    assert none.changes == ("CONFIG_OVERRIDE_TYPE unset (was docker)",)
    chosen = Context.build(base_override_type="local", override_type=NO_TYPE, process_env={})
    assert chosen.override_type is None

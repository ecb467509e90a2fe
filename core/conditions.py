"""Checking one layer's own conditions against the activation context.

Each check gives whether it holds and a reason in words (`environment is 'production';
condition wants one of [development, staging]`). `requires` is not here: it depends on
the other layers' verdicts, which `core.activation` works out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.context import SECRET_NAME, Context
from core.metadata import CONDITION_KEYS, INVALID
from core.model import LayerFile
from core.patterns import compile_user_regex


def as_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def wanted_text(values: list[str]) -> str:
    if len(values) == 1:
        return f"'{values[0]}'"
    return f"one of [{', '.join(values)}]"


def check_choice(label: str, actual: str | None, wanted: Any, key: str) -> tuple[bool, str]:
    values = as_list(wanted)
    if values is None:
        return False, f"condition '{key}' cannot be evaluated (see problems)"
    if actual is not None and actual in values:
        also = "" if len(values) == 1 else f", one of [{', '.join(values)}]"
        return True, f"{label} is '{actual}'{also}"
    shown = "not set" if actual is None else f"'{actual}'"
    return False, f"{label} is {shown}; condition wants {wanted_text(values)}"


def check_env(name: str, spec: Any, env: Mapping[str, str]) -> tuple[bool, str]:
    actual = env.get(name)
    hidden = SECRET_NAME(name)
    shown = "" if actual is None or hidden else f" '{actual}'"
    if spec == "present":
        if actual is not None:
            return True, f"{name} is present"
        return False, f"{name} is not set; condition wants it present"
    if spec == "absent":
        if actual is None:
            return True, f"{name} is not set"
        return False, f"{name} is set; condition wants it absent"
    if isinstance(spec, str):
        if actual == spec:
            return True, f"{name} is '{spec}'"
        if actual is None:
            return False, f"{name} is not set; condition wants '{spec}'"
        if hidden:
            return False, f"{name} has another value (hidden); condition wants '{spec}'"
        return False, f"{name} is '{actual}'; condition wants '{spec}'"
    if isinstance(spec, Mapping) and isinstance(spec.get("regex"), str) and len(spec) == 1:
        pattern: str = spec["regex"]
        compiled, _error = compile_user_regex(pattern)
        if compiled is None:
            return False, f"the condition on {name} cannot be evaluated (see problems)"
        matched = actual is not None and compiled.search(actual) is not None
        if matched:
            return True, f"{name}{shown} matches /{pattern}/"
        if actual is None:
            return False, f"{name} is not set; condition wants a match for /{pattern}/"
        if hidden:
            return False, f"{name} does not match /{pattern}/"
        return False, f"{name} is '{actual}'; condition wants a match for /{pattern}/"
    return False, f"the condition on {name} cannot be evaluated (see problems)"


def check_platform(platform: str, wanted: Any) -> tuple[bool, str]:
    values = as_list(wanted)
    if values is None:
        return False, "condition 'platform' cannot be evaluated (see problems)"
    for value in values:
        if platform.startswith(value):
            return True, f"platform '{platform}' matches {value}"
    return False, f"platform is '{platform}'; condition wants {wanted_text(values)}"


def own_checks(layer: LayerFile, context: Context) -> list[tuple[bool, str]]:
    """Every condition except `requires`, in the order they are documented."""
    conditions = layer.conditions
    checks: list[tuple[bool, str]] = []
    for text in conditions.get(INVALID) or ():
        checks.append((False, f"{text} cannot be evaluated (see problems)"))
    if "environment" in conditions:
        checks.append(
            check_choice(
                "environment", context.environment, conditions["environment"], "environment"
            )
        )
    if "override_type" in conditions:
        checks.append(
            check_choice(
                "override type", context.override_type, conditions["override_type"], "override_type"
            )
        )
    if "env" in conditions:
        env_specs = conditions["env"]
        if isinstance(env_specs, Mapping):
            for name, spec in env_specs.items():
                checks.append(check_env(str(name), spec, context.env))
        else:
            checks.append((False, "condition 'env' cannot be evaluated (see problems)"))
    if "platform" in conditions:
        checks.append(check_platform(context.platform, conditions["platform"]))
    for key in conditions:
        if key not in CONDITION_KEYS and key != INVALID:
            checks.append((False, f"unknown condition '{key}' cannot be evaluated"))
    return checks

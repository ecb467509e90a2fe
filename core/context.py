"""The activation context: what layer conditions are checked against.

The environment name, the override type, the process environment, the platform and
the layers forced on or off by a what-if. `Context.build` reads the real ones;
what-if changes are applied on top and described in `Context.changes`.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.secrets.policy import SecretKeys
from core.whatif import WhatIf

ENVIRONMENT_VAR = "ENVIRONMENT"
OVERRIDE_TYPE_VAR = "CONFIG_OVERRIDE_TYPE"
DEFAULT_ENVIRONMENT = "development"
# As a what-if override type: no type at all, even where the shell or manifest names one.
NO_TYPE = "(none)"

# Values of variables named like secrets are never shown in reasons or change texts.
SECRET_NAME = SecretKeys()

# --- the context ---------------------------------------------------------------


class _Keep(enum.Enum):
    KEEP = enum.auto()


KEEP = _Keep.KEEP
"""Default of `Context.with_changes` keywords: keep that what-if as it is."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The real context a what-if is measured against."""

    process_env: Mapping[str, str]
    platform: str
    manifest_context: Mapping[str, str] = field(default_factory=dict)
    # What the user chose to look at (the command line's --env / --type): part of
    # the real context, so choosing them is not a what-if.
    environment: str | None = None
    override_type: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What layer conditions are checked against.

    `environment` is the explicit value, else the process's ``ENVIRONMENT``, else the
    manifest's context, else ``development``; `override_type` is the explicit value,
    else ``CONFIG_OVERRIDE_TYPE``, else the manifest's context, else None (an empty
    string counts as not given). `env` is the process environment with what-if
    changes applied. `changes` describes, in words, how this context differs from the
    real one; `baseline` and `what_if` keep what it was built from.
    """

    environment: str
    override_type: str | None
    env: Mapping[str, str]
    platform: str
    force_on: frozenset[str] = frozenset()
    force_off: frozenset[str] = frozenset()
    changes: tuple[str, ...] = ()
    baseline: Baseline | None = field(default=None, repr=False, compare=False)
    what_if: WhatIf = field(default_factory=WhatIf, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        *,
        environment: str | None = None,
        override_type: str | None = None,
        set_env: Mapping[str, str] | None = None,
        unset_env: Iterable[str] = (),
        force_on: Iterable[str] = (),
        force_off: Iterable[str] = (),
        manifest_context: Mapping[str, str] | None = None,
        process_env: Mapping[str, str] | None = None,
        platform: str | None = None,
        base_environment: str | None = None,
        base_override_type: str | None = None,
    ) -> Context:
        """The real context (from `process_env`, default `os.environ`, and `platform`,
        default `sys.platform`) with the given what-if changes applied.

        `base_environment` / `base_override_type` are what the user chose to look at
        (the command line's ``--env`` / ``--type``): they belong to the real context,
        so `changes` does not list them. `environment` / `override_type` are
        what-ifs on top; `override_type=NO_TYPE` asks for no type at all.

        A variable both set and unset ends up unset; a layer both forced on and off
        ends up forced off.
        """
        baseline = Baseline(
            dict(os.environ if process_env is None else process_env),
            sys.platform if platform is None else platform,
            dict(manifest_context or {}),
            base_environment or None,
            base_override_type or None,
        )
        whatif = WhatIf(
            base_environment=baseline.environment,
            base_override_type=baseline.override_type,
            environment=environment or None,
            override_type=override_type or None,
            set_env=tuple(dict(set_env or {}).items()),
            unset_env=tuple(sorted(set(unset_env))),
            force_on=tuple(sorted(set(force_on))),
            force_off=tuple(sorted(set(force_off))),
        )
        return _resolve(baseline, whatif)

    def with_changes(
        self,
        *,
        environment: str | _Keep | None = KEEP,
        override_type: str | _Keep | None = KEEP,
        set_env: Mapping[str, str] | _Keep = KEEP,
        unset_env: Iterable[str] | _Keep = KEEP,
        force_on: Iterable[str] | _Keep = KEEP,
        force_off: Iterable[str] | _Keep = KEEP,
        platform: str | _Keep | None = KEEP,
    ) -> Context:
        """A new context from the same real baseline with these what-ifs replaced.

        A keyword left out keeps this context's what-if; None (for `environment`,
        `override_type`, `platform`) returns to the real value. The newest change wins:
        setting a variable takes it off the unset list and forcing a layer on takes it
        off the forced-off set, and the other way round.
        """
        baseline = self.baseline or self._derived_baseline()
        old = self.what_if if self.baseline is not None else self._derived_whatif(baseline)
        new_set = dict(old.set_env) if isinstance(set_env, _Keep) else dict(set_env)
        new_unset = (
            frozenset(old.unset_env) if isinstance(unset_env, _Keep) else frozenset(unset_env)
        )
        if not isinstance(set_env, _Keep) and isinstance(unset_env, _Keep):
            new_unset = new_unset - new_set.keys()
        if not isinstance(unset_env, _Keep) and isinstance(set_env, _Keep):
            new_set = {k: v for k, v in new_set.items() if k not in new_unset}
        new_on = frozenset(old.force_on if isinstance(force_on, _Keep) else force_on)
        new_off = frozenset(old.force_off if isinstance(force_off, _Keep) else force_off)
        if not isinstance(force_on, _Keep) and isinstance(force_off, _Keep):
            new_off = new_off - new_on
        if not isinstance(force_off, _Keep) and isinstance(force_on, _Keep):
            new_on = new_on - new_off
        whatif = WhatIf(
            base_environment=baseline.environment,
            base_override_type=baseline.override_type,
            environment=old.environment
            if isinstance(environment, _Keep)
            else (environment or None),
            override_type=(
                old.override_type if isinstance(override_type, _Keep) else (override_type or None)
            ),
            set_env=tuple(new_set.items()),
            unset_env=tuple(sorted(new_unset)),
            force_on=tuple(sorted(new_on)),
            force_off=tuple(sorted(new_off)),
            platform=old.platform if isinstance(platform, _Keep) else (platform or None),
        )
        return _resolve(baseline, whatif)

    def _derived_baseline(self) -> Baseline:
        """For a Context made directly: itself, as the real context."""
        defaults = {"environment": self.environment}
        if self.override_type:
            defaults["override_type"] = self.override_type
        return Baseline(dict(self.env), self.platform, defaults)

    def _derived_whatif(self, baseline: Baseline) -> WhatIf:
        real = _resolve(baseline, WhatIf())
        return WhatIf(
            environment=None if real.environment == self.environment else self.environment,
            override_type=None if real.override_type == self.override_type else self.override_type,
            force_on=tuple(sorted(self.force_on)),
            force_off=tuple(sorted(self.force_off)),
        )


def _context_values(baseline: Baseline, whatif: WhatIf) -> tuple[str, str | None, dict[str, str]]:
    env = dict(baseline.process_env)
    env.update(whatif.set_env)
    for name in whatif.unset_env:
        env.pop(name, None)
    environment = (
        whatif.environment
        or baseline.environment
        or env.get(ENVIRONMENT_VAR)
        or baseline.manifest_context.get("environment")
        or DEFAULT_ENVIRONMENT
    )
    if whatif.override_type == NO_TYPE:
        return environment, None, env
    override_type = (
        whatif.override_type
        or baseline.override_type
        or env.get(OVERRIDE_TYPE_VAR)
        or baseline.manifest_context.get("override_type")
        or None
    )
    return environment, override_type, env


def _resolve(baseline: Baseline, whatif: WhatIf) -> Context:
    environment, override_type, env = _context_values(baseline, whatif)
    real_environment, real_override_type, real_env = _context_values(baseline, WhatIf())
    platform = whatif.platform or baseline.platform
    force_off = frozenset(whatif.force_off)
    force_on = frozenset(whatif.force_on) - force_off

    changes: list[str] = []
    if environment != real_environment:
        changes.append(f"{ENVIRONMENT_VAR}={environment} (was {real_environment})")
    if override_type != real_override_type:
        if override_type is None:
            changes.append(f"{OVERRIDE_TYPE_VAR} unset (was {real_override_type})")
        else:
            changes.append(
                f"{OVERRIDE_TYPE_VAR}={override_type} (was {real_override_type or 'unset'})"
            )
    covered = set()
    if environment != real_environment:
        covered.add(ENVIRONMENT_VAR)
    if override_type != real_override_type:
        covered.add(OVERRIDE_TYPE_VAR)
    for name in [*dict(whatif.set_env), *sorted(whatif.unset_env)]:
        if name in covered or env.get(name) == real_env.get(name):
            continue
        covered.add(name)
        old = real_env.get(name)
        new = env.get(name)
        if new is None:
            changes.append(f"{name} unset")
        elif SECRET_NAME(name):
            changes.append(f"{name} changed (value hidden)" if old is not None else f"{name} set")
        else:
            changes.append(f"{name}={new} (was {'unset' if old is None else old})")
    if platform != baseline.platform:
        changes.append(f"platform {platform} (was {baseline.platform})")
    changes.extend(f"layer {name} forced on" for name in sorted(force_on))
    changes.extend(f"layer {name} forced off" for name in sorted(force_off))
    return Context(
        environment,
        override_type,
        env,
        platform,
        force_on,
        force_off,
        tuple(changes),
        baseline,
        whatif,
    )

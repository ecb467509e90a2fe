"""The what-if: how the context the user looks at differs from the real one.

`Context` says what the context *is*; a `WhatIf` says what the user asked for (the
chosen environment and type, then variables set or unset, layers forced on or off),
so a face can change one thing at a time and rebuild the context from scratch. It is
the one what-if type: `Context.what_if` holds the one a context was built with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

Force = Literal["on", "off"]

_ENV_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True, slots=True)
class WhatIf:
    """What the user looks at: the chosen context (`base_*`, from the command line)
    and the what-ifs on top of it."""

    base_environment: str | None = None
    base_override_type: str | None = None
    environment: str | None = None
    override_type: str | None = None
    set_env: tuple[tuple[str, str], ...] = ()
    unset_env: tuple[str, ...] = ()
    force_on: tuple[str, ...] = ()
    force_off: tuple[str, ...] = ()
    platform: str | None = None

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> WhatIf:
        """From the keywords the CLI collected (unknown ones are ignored)."""
        set_env = kwargs.get("set_env") or {}
        pairs = set_env.items() if isinstance(set_env, Mapping) else set_env
        return cls(
            base_environment=kwargs.get("base_environment") or None,
            base_override_type=kwargs.get("base_override_type") or None,
            environment=kwargs.get("environment") or None,
            override_type=kwargs.get("override_type") or None,
            set_env=tuple((str(k), str(v)) for k, v in pairs),
            unset_env=tuple(str(k) for k in kwargs.get("unset_env") or ()),
            force_on=tuple(str(k) for k in kwargs.get("force_on") or ()),
            force_off=tuple(str(k) for k in kwargs.get("force_off") or ()),
            platform=kwargs.get("platform") or None,
        )

    def kwargs(self) -> dict[str, Any]:
        """The keywords for `ConfigSet.context()`; only those that say something."""
        out: dict[str, Any] = {}
        if self.base_environment is not None:
            out["base_environment"] = self.base_environment
        if self.base_override_type is not None:
            out["base_override_type"] = self.base_override_type
        if self.environment is not None:
            out["environment"] = self.environment
        if self.override_type is not None:
            out["override_type"] = self.override_type
        if self.set_env:
            out["set_env"] = dict(self.set_env)
        if self.unset_env:
            out["unset_env"] = list(self.unset_env)
        if self.force_on:
            out["force_on"] = list(self.force_on)
        if self.force_off:
            out["force_off"] = list(self.force_off)
        if self.platform is not None:
            out["platform"] = self.platform
        return out

    def with_environment(self, environment: str | None) -> WhatIf:
        """What-if this environment; the chosen one (or None) is no what-if at all."""
        if environment == self.base_environment:
            environment = None
        return replace(self, environment=environment or None)

    def with_override_type(self, override_type: str | None) -> WhatIf:
        """What-if this type (`NO_TYPE`: none); the chosen one (or None) is no what-if."""
        if override_type == self.base_override_type:
            override_type = None
        return replace(self, override_type=override_type)

    def with_env_change(self, text: str) -> WhatIf:
        """Apply ``K=V`` (set), ``-K`` (unset) or ``K`` (forget what-if for K).

        The value is everything after the first ``=``, spaces included, as in a shell
        assignment; only the name is trimmed. Raises `ValueError` with a message for
        the user when `text` is none of these.
        """
        stripped = text.strip()
        if not stripped:
            raise ValueError("type K=V to set a variable, -K to unset it, K to forget")
        if "=" in text:
            name, value = text.split("=", 1)
            name, action = name.strip(), "set"
        elif stripped.startswith("-"):
            name, value, action = stripped[1:].strip(), "", "unset"
        else:
            name, value, action = stripped, "", "forget"
        if not name or not set(name) <= _ENV_NAME_CHARS or name[0].isdigit():
            raise ValueError(f"{name!r} is not an environment variable name")
        set_env = tuple((k, v) for k, v in self.set_env if k != name)
        unset_env = tuple(k for k in self.unset_env if k != name)
        if action == "set":
            set_env += ((name, value),)
        elif action == "unset":
            unset_env += (name,)
        return replace(self, set_env=set_env, unset_env=unset_env)

    def force_state(self, layer: str) -> Force | None:
        if layer in self.force_on:
            return "on"
        if layer in self.force_off:
            return "off"
        return None

    def forcing(self, layer: str, state: Force | None) -> WhatIf:
        force_on = tuple(name for name in self.force_on if name != layer)
        force_off = tuple(name for name in self.force_off if name != layer)
        if state == "on":
            force_on += (layer,)
        elif state == "off":
            force_off += (layer,)
        return replace(self, force_on=force_on, force_off=force_off)

    def cycle_force(self, layer: str) -> WhatIf:
        """Not forced → forced on → forced off → not forced."""
        following: dict[Force | None, Force | None] = {None: "on", "on": "off", "off": None}
        return self.forcing(layer, following[self.force_state(layer)])

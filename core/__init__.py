"""confscope's engine: layered YAML loading, activation, merging with provenance,
interpolation and validation. It never imports a UI toolkit.

The names below load on first use, so a script command that needs only part of the
engine (the CLI never uses the async `OverrideManager`) does not pay for the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.configset import ConfigSet, Resolution
    from core.manager import ConfigurationError, OverrideManager, OverrideValidationResult

_EXPORTS = {
    "ConfigSet": "core.configset",
    "Resolution": "core.configset",
    "ConfigurationError": "core.manager",
    "OverrideManager": "core.manager",
    "OverrideValidationResult": "core.manager",
}

__all__ = [
    "ConfigSet",
    "ConfigurationError",
    "OverrideManager",
    "OverrideValidationResult",
    "Resolution",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

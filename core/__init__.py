"""confscope's engine: layered YAML loading, activation, merging with provenance,
interpolation and validation. It never imports a UI toolkit."""

from core.configset import ConfigSet, Resolution
from core.manager import ConfigurationError, OverrideManager, OverrideValidationResult

__all__ = [
    "ConfigSet",
    "ConfigurationError",
    "OverrideManager",
    "OverrideValidationResult",
    "Resolution",
]

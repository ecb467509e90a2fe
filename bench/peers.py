"""What the same job costs with the usual tools: load every file, drop `_metadata`, merge.

The peers do less than confscope (no positions, no provenance, no interpolation, no
activation), so a ratio in confscope's favour is a floor on the real difference.
Each builder raises ImportError when its library is missing; the table then says
"not installed" instead of failing the whole benchmark.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from bench.generate import GeneratedSet
from bench.timing import Timed

METADATA = "_metadata"


def deep_merge(target: MutableMapping[Any, Any], source: MutableMapping[Any, Any]) -> None:
    """Mappings merge key by key, anything else replaces: the merge every tool documents."""
    for key, value in source.items():
        current = target.get(key)
        if isinstance(current, MutableMapping) and isinstance(value, MutableMapping):
            deep_merge(current, value)
        else:
            target[key] = value


def merge_all(documents: list[Any]) -> dict[Any, Any]:
    merged: dict[Any, Any] = {}
    for document in documents:
        document.pop(METADATA, None)
        deep_merge(merged, document)
    return merged


def ruamel_roundtrip(gset: GeneratedSet, runs: int) -> Timed:
    """`ruamel.yaml.YAML()` (typ='rt', what config tools that write files back use)."""
    from ruamel.yaml import YAML

    blobs = [path.read_bytes() for path in gset.files]

    def run() -> None:
        yaml = YAML()
        merge_all([yaml.load(data) for data in blobs])

    return Timed(run, runs)


def pyyaml_csafe(gset: GeneratedSet, runs: int) -> Timed:
    """PyYAML with libyaml's C loader: the fastest plain-dict load in common use."""
    import yaml  # type: ignore[import-untyped, unused-ignore]

    blobs = [path.read_bytes() for path in gset.files]

    def run() -> None:
        merge_all([yaml.load(data, Loader=yaml.CSafeLoader) for data in blobs])

    return Timed(run, runs)


def omegaconf_merge(gset: GeneratedSet, runs: int) -> Timed:
    """`OmegaConf.load` per file, then one `OmegaConf.merge`: Hydra's way of layering."""
    import inspect

    from omegaconf import DictConfig, OmegaConf

    # OmegaConf 2.4 refuses documents over 10,000 nodes unless told the input is
    # trusted; older versions have no such limit (and no such keyword).
    trusted = "max_yaml_expanded_nodes" in inspect.signature(OmegaConf.load).parameters
    options = {"max_yaml_expanded_nodes": None} if trusted else {}

    def run() -> None:
        configs = [OmegaConf.load(path, **options) for path in gset.files]
        for config in configs:
            if isinstance(config, DictConfig):
                config.pop(METADATA, None)
        OmegaConf.merge(*configs)

    return Timed(run, runs)


PEERS: dict[str, tuple[str, Callable[[GeneratedSet, int], Timed]]] = {
    "ruamel": ("ruamel.yaml round-trip + merge", ruamel_roundtrip),
    "pyyaml": ("PyYAML CSafeLoader + merge", pyyaml_csafe),
    "omegaconf": ("OmegaConf load + merge", omegaconf_merge),
}

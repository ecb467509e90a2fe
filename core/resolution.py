"""What a resolve answers: everything known about a config set under one context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.context import Context
from core.manifest import Manifest
from core.merging import Removal
from core.model import KeyPath, LayerFile, Merged, Problem, Verdict, format_path, parse_path
from core.secrets.layers import LayerSecrets
from core.secrets.policy import Reveal, SecretKeys


@dataclass(slots=True)
class Resolution:
    """The layers, their verdicts, the merged tree and every problem, for one context."""

    manifest: Manifest
    context: Context
    layers: list[LayerFile]
    verdicts: list[Verdict]
    root: Merged
    problems: list[Problem]
    removals: dict[KeyPath, Removal] = field(default_factory=dict)
    secret_keys: SecretKeys = field(default_factory=SecretKeys)
    # Each encrypted layer's recipients and whether its values were opened.
    secrets: dict[str, LayerSecrets] = field(default_factory=dict)

    @property
    def active_layers(self) -> list[LayerFile]:
        active = {v.layer for v in self.verdicts if v.active}
        return [layer for layer in self.layers if layer.name in active]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def get(self, path: str | KeyPath) -> Merged | None:
        keys = parse_path(path) if isinstance(path, str) else path
        return self.root.get(keys)

    def verdict(self, layer: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.layer == layer), None)

    def layer(self, name: str) -> LayerFile | None:
        return next((layer for layer in self.layers if layer.name == name), None)

    def problems_at(self, path: KeyPath, below: bool = False) -> list[Problem]:
        text = format_path(path)
        if not below:
            return [p for p in self.problems if p.path == text]
        return [
            p
            for p in self.problems
            if p.path == text or (text == "" or p.path.startswith((text + ".", text + "[")))
        ]

    def plain(self, reveal: bool = False) -> dict[str, Any]:
        """The merged config as plain data, secrets masked unless revealed."""
        data = Reveal(reveal).plain(self.root)
        assert isinstance(data, dict)
        return data

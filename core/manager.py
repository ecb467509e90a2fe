"""`OverrideManager`: the Python API applications use, as the seed documents name it.

A thin face over `ConfigSet`: it loads and validates for an override type, hands out
sections, and keeps parsed files in a cache keyed by file identity.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.activation import Context, evaluate, layer_file
from core.caching import ParseCache
from core.configset import ConfigSet
from core.interpolation import expand
from core.model import MAPPING, METADATA_KEY, SCALAR, SEQUENCE, Node, Problem
from core.pipeline import LoadedSet, resolve_layers
from core.resolution import Resolution

log = logging.getLogger("confscope")


class ConfigurationError(Exception):
    """The config has errors; `problems` holds every one of them."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.problems = list(problems)
        details = "".join(f"\n  {p}" for p in self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(message + details + more)


@dataclass(frozen=True, slots=True)
class OverrideValidationResult:
    valid: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> OverrideValidationResult:
        errors = [str(p) for p in problems if p.severity == "error"]
        warnings = [str(p) for p in problems if p.severity == "warning"]
        return cls(not errors, errors, warnings, list(problems))


class OverrideManager:
    def __init__(
        self,
        config_dir: str | Path = "sample_configs",
        enable_cache: bool = True,
        cache_ttl: float | None = 3600,
        debug: bool = False,
        *,
        trust_schema: bool = False,
    ) -> None:
        """`trust_schema` imports the set's schema code without asking the trust store:
        for an application loading its own config set."""
        self.cache = ParseCache(enabled=enable_cache, ttl=cache_ttl)
        self.config_set = ConfigSet(config_dir, cache=self.cache, trust_schema=trust_schema)
        self.debug = debug
        if debug:
            log.setLevel(logging.DEBUG)
        self.last: Resolution | None = None
        self.override_type: str | None = None

    # -- loading ---------------------------------------------------------------------
    def context(self, override_type: str | None = None, **what_if: Any) -> Context:
        return self.config_set.context(base_override_type=override_type, **what_if)

    def resolve(self, override_type: str | None = None, **what_if: Any) -> Resolution:
        resolution = self.config_set.resolve(self.context(override_type, **what_if))
        self.last, self.override_type = resolution, override_type
        log.debug(
            "resolved %s: %d layers active, %d problems, cache %s",
            override_type or "no type",
            len(resolution.active_layers),
            len(resolution.problems),
            self.cache.stats(),
        )
        return resolution

    async def load_with_validation(
        self, override_type: str | None = None, **what_if: Any
    ) -> dict[str, Any]:
        """The merged config for `override_type`; raises `ConfigurationError` on errors."""
        resolution = await asyncio.to_thread(self.resolve, override_type, **what_if)
        if resolution.errors:
            raise ConfigurationError(
                f"the {override_type or 'default'} configuration has"
                f" {len(resolution.errors)} error(s)",
                resolution.errors,
            )
        return resolution.plain(reveal=True)

    async def load_secure_configuration(
        self,
        override_type: str | None = "production",
        encryption_key: str | Sequence[str] | None = None,
        **what_if: Any,
    ) -> dict[str, Any]:
        """The merged config with every sops-encrypted layer decrypted, secrets revealed.

        `encryption_key` is an age identity (``AGE-SECRET-KEY-1…``), several, or the
        text of an age key file; it is tried before SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and
        the OS keyring, and kept only in memory. Raises `ConfigurationError` when the
        config has errors or an encrypted layer stays locked.
        """
        given = _identities_in(encryption_key)

        def identities(recipients: Sequence[str]) -> list[str]:
            from core.secrets.identities import identities as at_hand
            from core.secrets.keystore import KeystoreError

            try:
                found = at_hand(recipients)
            except KeystoreError:
                if not given:
                    raise
                found = []
            return [*given, *found]

        secure = ConfigSet(
            self.config_set.root,
            cache=self.cache,
            trust_store=self.config_set.trust_store,
            trust_schema=self.config_set.trust_schema,
            identities=identities,
        )

        def resolve() -> Resolution:
            context = secure.context(base_override_type=override_type, **what_if)
            return secure.resolve(context)

        resolution = await asyncio.to_thread(resolve)
        locked = [
            f"{name}: {info.reason}" for name, info in resolution.secrets.items() if not info.opened
        ]
        active = {layer.name for layer in resolution.active_layers}
        locked = [text for text in locked if text.split(":", 1)[0] in active]
        if resolution.errors or locked:
            message = f"the {override_type or 'default'} configuration cannot be loaded securely"
            if locked:
                message += "; encrypted layers stay locked: " + "; ".join(locked)
            raise ConfigurationError(message, resolution.errors)
        self.last, self.override_type = resolution, override_type
        return resolution.plain(reveal=True)

    def encrypt_sensitive_data(
        self, config: Mapping[str, Any], recipients: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """`config` as a sops document: values of secret-named keys (the set's
        `secret_keys`) encrypted for `recipients` (default: the recipients of the set's
        encrypted layers, else those of its `.sops.yaml` rule), everything else in the
        clear, with its `sops:` block.
        Dump it as YAML and `sops decrypt` or a confscope layer opens it. Nothing is
        written to disk."""
        from io import StringIO

        from ruamel.yaml import YAML

        from core.secrets.operations import encrypt_text
        from core.secrets.rules import Rules, RulesError, creation_rule
        from core.secrets.sopsfile import SecretsError

        loaded = self.config_set.load()
        manifest = loaded.manifest
        if recipients is None:
            found = [r for info in loaded.secrets.values() for r in info.recipients]
            recipients = list(dict.fromkeys(found))
        if not recipients:
            try:
                rule = creation_rule(self.config_set.root / "secrets.yml")
            except RulesError:
                rule = None
            recipients = rule.age if rule is not None else ()
        if not recipients:
            raise ConfigurationError(
                "no age recipients to encrypt for: pass recipients= or add a creation rule"
                " with age: to the set's .sops.yaml"
            )
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        buffer = StringIO()
        yaml.dump(dict(config), buffer)
        try:
            text = encrypt_text(
                buffer.getvalue(),
                "<config>",
                list(recipients),
                Rules(encrypted_regex=manifest.secret_keys),
            )
        except SecretsError as error:
            raise ConfigurationError(f"the config cannot be encrypted: {error}") from None
        document = yaml.load(text)
        assert isinstance(document, dict)
        return document

    def load_configuration(self, override_type: str | None = None) -> dict[str, Any]:
        """The merged config without raising: problems stay on `self.last`."""
        return self.resolve(override_type).plain(reveal=True)

    def load_override_file(self, path: str | Path) -> dict[str, Any]:
        """One file as plain data (its `_metadata` included); raises on syntax errors."""
        file = self._path(path)
        parsed, _ = self.cache.parse(file, str(path))
        errors = [p for p in parsed.problems if p.severity == "error"]
        if errors:
            raise ConfigurationError(f"{path} cannot be loaded", errors)
        return parsed.root.plain() if parsed.root is not None else {}

    # -- validation ------------------------------------------------------------------
    def validate_override(self, data: Mapping[str, Any]) -> OverrideValidationResult:
        """Check an override (metadata and values) as if it were the top layer of the set."""
        root = node_from_plain(dict(data))
        return self._validate_layer(Path("<override>"), "<override>", root)

    def validate_override_file(self, path: str | Path) -> OverrideValidationResult:
        file = self._path(path)
        parsed, _ = self.cache.parse(file, str(path))
        if parsed.root is None:
            return OverrideValidationResult.of(parsed.problems)
        result = self._validate_layer(file, str(path), parsed.root)
        return OverrideValidationResult.of(parsed.problems + result.problems)

    def _validate_layer(self, path: Path, display: str, root: Node) -> OverrideValidationResult:
        """The candidate on top of the set's bases, forced on, through the one pipeline."""
        loaded = self.config_set.load()
        candidate, problems = layer_file(
            path, display, root, is_base=False, order=len(loaded.layers)
        )
        bases = [layer for layer in loaded.layers if layer.is_base]
        context = self.context(self.override_type, force_on=[candidate.name])
        model, schema_problems = self.config_set.schema(loaded.manifest)
        resolution, _tree = resolve_layers(
            LoadedSet(loaded.manifest, [*bases, candidate], [], []),
            context,
            model=model,
            schema_problems=schema_problems,
        )
        # Forcing the candidate on is how it is checked, not something to report.
        problems += [p for p in resolution.problems if p.code != "activation"]
        return OverrideValidationResult.of(problems)

    def evaluate_conditions(
        self, metadata: Mapping[str, Any], override_type: str | None = None
    ) -> bool:
        """Whether a layer with this `_metadata` would be active in the current context."""
        root = node_from_plain({METADATA_KEY: dict(metadata)})
        _manifest, layers, _set_problems, _layer_problems = self.config_set.load_layers()
        candidate, problems = layer_file(
            Path("<metadata>"), "<metadata>", root, is_base=False, order=len(layers)
        )
        if any(p.severity == "error" for p in problems):
            return False
        others = [layer for layer in layers if layer.name != candidate.name]
        context = self.context(override_type or self.override_type)
        verdicts, _ = evaluate([*others, candidate], context)
        return any(v.layer == candidate.name and v.active for v in verdicts)

    # -- sections --------------------------------------------------------------------
    def section(self, name: str) -> dict[str, Any]:
        if self.last is None:
            self.resolve(self.override_type)
        assert self.last is not None
        value = self.last.plain(reveal=True).get(name, {})
        return value if isinstance(value, dict) else {"value": value}

    def get_database_config(self) -> dict[str, Any]:
        return self.section("database")

    def get_api_config(self) -> dict[str, Any]:
        return self.section("api")

    def get_security_config(self) -> dict[str, Any]:
        return self.section("security")

    def get_ml_config(self) -> dict[str, Any]:
        for name in ("ml", "ml_services", "machine_learning"):
            if self.last is not None and name in self.last.root.value:
                return self.section(name)
        return self.section("ml")

    # -- plain-data helpers ----------------------------------------------------------
    async def merge_configurations(self, configs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Deep-merge plain dicts, later ones winning: mappings merge, the rest replaces."""
        merged: dict[str, Any] = {}
        for config in configs:
            merged = _deep_merge(merged, config)
        return merged

    def resolve_environment_variables(
        self, config: Mapping[str, Any], env: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """Expand ``${...}`` in every string; raises `ConfigurationError` listing every failure."""
        environment = os.environ if env is None else env
        problems: list[Problem] = []

        def walk(value: Any, path: str) -> Any:
            if isinstance(value, Mapping):
                return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
            if isinstance(value, str) and "$" in value:
                result = expand(value, environment)
                if result.error is not None:
                    problems.append(
                        Problem(
                            severity="error", message=result.error, path=path, code="interpolation"
                        )
                    )
                return result.value
            return value

        expanded = walk(config, "")
        if problems:
            raise ConfigurationError("environment variables could not be resolved", problems)
        return expanded  # type: ignore[no-any-return]

    def clear_cache(self) -> None:
        self.cache.clear()
        self.last = None

    def get_cache_stats(self) -> dict[str, Any]:
        return self.cache.stats().to_dict()

    def _path(self, path: str | Path) -> Path:
        file = Path(path)
        return file if file.is_absolute() or file.exists() else self.config_set.root / file


def node_from_plain(value: Any, line: int = 0) -> Node:
    """Plain data as a `Node` tree without positions (line 0: not from a file)."""
    if isinstance(value, Mapping):
        return Node(MAPPING, {str(k): node_from_plain(v) for k, v in value.items()}, line, 0)
    if isinstance(value, list):
        return Node(SEQUENCE, [node_from_plain(v) for v in value], line, 0)
    return Node(SCALAR, value, line, 0)


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _identities_in(key: str | Sequence[str] | None) -> list[str]:
    """The age identities in what `load_secure_configuration` was given."""
    if key is None:
        return []
    texts = [key] if isinstance(key, str) else list(key)
    found: list[str] = []
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("AGE-SECRET-KEY-"):
                found.append(line)
    if not found:
        raise ConfigurationError("encryption_key holds no age identity (AGE-SECRET-KEY-1…)")
    return found

"""What gets encrypted: the rule keys of a sops file and the `.sops.yaml` creation rules.

sops is a Go program, so its regular expressions are RE2; they run here through
`google-re2`, which also keeps a pattern from a repository from hanging the tool.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"
CONFIG_NAME = ".sops.yaml"
MAX_DEPTH = 100  # how many directories up sops looks


class RulesError(Exception):
    """A `.sops.yaml` or rule that cannot be used; str(e) is one sentence."""


def _compile(pattern: str, what: str) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print its own lines to stderr; the error says it
    try:
        return re2.compile(pattern, options)
    except Exception as error:
        detail = error.args[0] if error.args else error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise RulesError(
            f"{what} {pattern!r} is not a valid regular expression: {detail}"
        ) from None


class Rules:
    """Which leaves are encrypted; at most one of the suffix/regex keys is set."""

    KEYS: ClassVar[tuple[str, ...]] = (
        "unencrypted_suffix",
        "encrypted_suffix",
        "unencrypted_regex",
        "encrypted_regex",
        "unencrypted_comment_regex",
        "encrypted_comment_regex",
        "mac_only_encrypted",
    )
    __slots__ = KEYS

    def __init__(
        self,
        *,
        unencrypted_suffix: str = "",
        encrypted_suffix: str = "",
        unencrypted_regex: str = "",
        encrypted_regex: str = "",
        unencrypted_comment_regex: str = "",
        encrypted_comment_regex: str = "",
        mac_only_encrypted: bool = False,
    ) -> None:
        self.unencrypted_suffix = unencrypted_suffix
        self.encrypted_suffix = encrypted_suffix
        self.unencrypted_regex = unencrypted_regex
        self.encrypted_regex = encrypted_regex
        self.unencrypted_comment_regex = unencrypted_comment_regex
        self.encrypted_comment_regex = encrypted_comment_regex
        self.mac_only_encrypted = mac_only_encrypted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rules) and list(self.items()) == list(other.items())

    def __hash__(self) -> int:
        return hash(tuple(self.items()))

    def __repr__(self) -> str:
        return f"Rules({', '.join(f'{k}={v!r}' for k, v in self.items())})"

    def items(self) -> Iterator[tuple[str, Any]]:
        """The keys the `sops:` block records (set ones only), in sops' order."""
        for key in self.KEYS:
            value = getattr(self, key)
            if value:
                yield key, value

    def with_default(self) -> Rules:
        """sops' default when a rule names none: leave `*_unencrypted` keys in the clear."""
        if any(getattr(self, key) for key in self.KEYS[:6]):
            return self
        return Rules(
            unencrypted_suffix=DEFAULT_UNENCRYPTED_SUFFIX,
            mac_only_encrypted=self.mac_only_encrypted,
        )

    def check(self) -> None:
        chosen = [key for key in self.KEYS[:6] if getattr(self, key)]
        if len(chosen) > 1:
            raise RulesError(
                f"only one of encrypted_suffix, unencrypted_suffix, encrypted_regex,"
                f" unencrypted_regex and the comment regexes may be set, not {', '.join(chosen)}"
            )
        if self.unencrypted_comment_regex or self.encrypted_comment_regex:
            raise RulesError(
                "encrypted_comment_regex and unencrypted_comment_regex are not supported"
                " by confscope yet; use sops for this file"
            )

    def decider(self) -> Decider:
        self.check()
        return Decider(self)


class Decider:
    """sops' `shouldBeEncrypted` for one set of rules, with the regexes compiled once."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._unencrypted = (
            _compile(rules.unencrypted_regex, "unencrypted_regex")
            if rules.unencrypted_regex
            else None
        )
        self._encrypted = (
            _compile(rules.encrypted_regex, "encrypted_regex") if rules.encrypted_regex else None
        )
        self._cache: dict[tuple[str, ...], bool] = {}

    def encrypts(self, keys: tuple[str, ...]) -> bool:
        """Whether a leaf (or comment) under these mapping keys is encrypted."""
        found = self._cache.get(keys)
        if found is None:
            found = self._cache[keys] = self._decide(keys)
        return found

    def _decide(self, keys: tuple[str, ...]) -> bool:
        rules = self.rules
        encrypted = True
        if rules.unencrypted_suffix and any(k.endswith(rules.unencrypted_suffix) for k in keys):
            encrypted = False
        if rules.encrypted_suffix:
            encrypted = any(k.endswith(rules.encrypted_suffix) for k in keys)
        if self._unencrypted is not None and any(self._unencrypted.search(k) for k in keys):
            encrypted = False
        if self._encrypted is not None:
            encrypted = any(self._encrypted.search(k) for k in keys)
        return encrypted


class CreationRule:
    """The `.sops.yaml` rule that applies to a file, and where it was found."""

    __slots__ = ("age", "config", "index", "rules")

    def __init__(self, config: Path, index: int, age: tuple[str, ...], rules: Rules) -> None:
        self.config = config
        self.index = index
        self.age = age
        self.rules = rules


def find_config(file: Path) -> Path | None:
    """`.sops.yaml` in the file's directory or the nearest one above, as sops looks."""
    return config_above(file.resolve().parent)


def config_above(directory: Path) -> Path | None:
    """`.sops.yaml` in `directory` or the nearest parent, at most `MAX_DEPTH` up; a
    directory that cannot be read is passed over, as if it held none."""
    for _ in range(MAX_DEPTH):
        candidate = directory / CONFIG_NAME
        try:
            if candidate.is_file():
                return candidate
        except OSError:
            pass
        if directory.parent == directory:
            return None
        directory = directory.parent
    return None


def creation_rule(file: Path) -> CreationRule | None:
    """The first creation rule whose `path_regex` matches `file`; None with no config."""
    config = find_config(file)
    if config is None:
        return None
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe", pure=False).load(config.read_text(encoding="utf-8"))
    except Exception as error:
        raise RulesError(f"{config} cannot be read: {error}".split("\n")[0]) from None
    rules = data.get("creation_rules") if isinstance(data, dict) else None
    if not rules:
        return None
    if not isinstance(rules, list):
        raise RulesError(f"{config}: creation_rules must be a list")
    absolute = str(file.resolve())
    prefix = str(config.parent.resolve()) + "/"
    relative = absolute[len(prefix) :] if absolute.startswith(prefix) else absolute
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise RulesError(f"{config}: creation rule {index + 1} is not a mapping")
        pattern = rule.get("path_regex") or ""
        if pattern and not _compile(str(pattern), "path_regex").search(relative):
            continue
        if rule.get("key_groups"):
            raise RulesError(
                f"{config}: creation rule {index + 1} uses key_groups, which confscope does"
                " not write; list age recipients under age:"
            )
        chosen = Rules(
            **{k: str(rule.get(k) or "") for k in Rules.KEYS[:6]},
            mac_only_encrypted=rule.get("mac_only_encrypted") is True,
        )
        try:
            chosen.check()
        except RulesError as error:
            raise RulesError(f"{config}: creation rule {index + 1}: {error}") from None
        return CreationRule(config, index, _recipients(rule.get("age")), chosen)
    raise RulesError(f"{config} has no creation rule whose path_regex matches {relative}")


def _recipients(field: Any) -> tuple[str, ...]:
    if not field:
        return ()
    items = field.split(",") if isinstance(field, str) else [str(x) for x in field]
    return tuple(item.strip() for item in items if item.strip())

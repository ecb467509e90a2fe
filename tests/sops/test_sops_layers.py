"""An encrypted file as a layer: decrypted in memory with a key, honest without one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from core.configset import ConfigSet
from core.manager import ConfigurationError, OverrideManager
from core.model import Encrypted
from tests.sops.sops_tools import AgeKey, Tools

SCHEMA = """\
from pydantic import BaseModel, Field


class Db(BaseModel):
    host: str
    port: int = Field(ge=1, le=65535)
    password: str = Field(min_length=8)


class App(BaseModel):
    db: Db
    replicas: int = 1
"""

SECRETS = """\
_metadata:
  priority: 50
db:
  # the production password
  password: {password}
  port: {port}
replicas: [1]
"""


def make_set(
    root: Path, tools: Tools, *, password: str = "s3cret-pass", port: str = "6543"
) -> Path:
    (root / "overrides").mkdir(parents=True)
    (root / "confscope.toml").write_text(
        'base = ["base.yml"]\noverrides = ["overrides/*.yml"]\nschema = "schema.py:App"\n'
    )
    (root / "schema.py").write_text(SCHEMA)
    (root / "base.yml").write_text("db:\n  host: db.local\n  port: 5432\n  password: changeme1\n")
    (root / ".sops.yaml").write_text(
        "creation_rules:\n  - path_regex: secrets\\.yml$\n"
        "    encrypted_regex: '^(password|port)$'\n"
        f"    age: {tools.key.recipient}\n"
    )
    plain = root / "overrides" / "secrets.yml"
    plain.write_text(SECRETS.format(password=password, port=port).replace("replicas: [1]\n", ""))
    # sops looks for .sops.yaml from its working directory: name the set's.
    tools.sops("--config", str(root / ".sops.yaml"), "encrypt", "--in-place", str(plain))
    assert "sops:" in plain.read_text()
    return root


def config(root: Path, key: AgeKey | None) -> ConfigSet:
    return ConfigSet(
        root,
        trust_schema=True,
        identities=(lambda recipients: [key.identity]) if key else (lambda recipients: []),
    )


def test_with_the_key_values_decrypt_in_memory_and_validate(tmp_path: Path, tools: Tools) -> None:
    root = make_set(tmp_path / "set", tools)
    resolution = config(root, tools.key).resolve()
    password = resolution.get("db.password")
    port = resolution.get("db.port")
    assert password is not None and port is not None
    assert password.value == "s3cret-pass" and port.value == 6543
    assert password.node.sealed == "str" and port.node.sealed == "int"
    assert resolution.problems == []
    assert "sops" not in resolution.root.value
    assert resolution.plain()["db"] == {
        "host": "db.local",
        "port": "<encrypted:int>",
        "password": "<encrypted:str>",
    }
    assert resolution.plain(reveal=True)["db"]["password"] == "s3cret-pass"
    assert resolution.secrets["secrets"].opened


def test_the_schema_sees_the_decrypted_value(tmp_path: Path, tools: Tools) -> None:
    root = make_set(tmp_path / "set", tools, password="short")
    problems = config(root, tools.key).resolve().problems
    assert [(p.code, p.file, p.path) for p in problems] == [
        ("schema", "overrides/secrets.yml", "db.password")
    ]
    assert "short" not in problems[0].message  # a secret is never quoted


def test_without_a_key_values_stay_encrypted_and_are_checked_by_type(
    tmp_path: Path, tools: Tools
) -> None:
    root = make_set(tmp_path / "set", tools, password="short")
    resolution = config(root, None).resolve()
    password = resolution.get("db.password")
    assert password is not None and isinstance(password.value, Encrypted)
    # min_length needs the plaintext: not reported without the key.
    assert resolution.problems == []
    info = resolution.secrets["secrets"]
    assert not info.opened and info.recipients == (tools.key.recipient,)


def test_a_recorded_type_the_schema_cannot_take_is_reported(tmp_path: Path, tools: Tools) -> None:
    root = make_set(tmp_path / "set", tools, port="'not-a-port'")
    with_key = [p.path for p in config(root, tools.key).resolve().problems]
    assert with_key == ["db.port"]
    # Recorded as an int: a text field cannot take it, key or no key.
    root2 = make_set(tmp_path / "set2", tools, password="12345678")
    without = [p.path for p in config(root2, None).resolve().problems]
    assert without == ["db.password"]


def test_why_names_the_recipients_when_no_key_is_here(
    tmp_path: Path, tools: Tools, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_set(tmp_path / "set", tools)
    other = tmp_path / "other.txt"
    other.write_text("AGE-SECRET-KEY-1" + "Q" * 58 + "\n")
    no_key = tools.confscope(
        "-C", str(root), "--trust", "why", "db.password", key_file=tmp_path / "none.txt"
    )
    assert no_key.returncode == 0, no_key.stderr
    assert "no key is available here" in no_key.stdout
    assert tools.key.recipient in no_key.stdout
    opened = tools.confscope("-C", str(root), "--trust", "why", "db.password", "--format", "json")
    data = json.loads(opened.stdout)
    assert data["value"] == "<encrypted:str>"
    assert data["encrypted"]["opened"] is True
    revealed = tools.confscope("-C", str(root), "--trust", "--reveal", "show", "--format", "json")
    assert json.loads(revealed.stdout)["db"]["password"] == "s3cret-pass"
    hidden = tools.confscope("-C", str(root), "--trust", "show", "--format", "json")
    assert "s3cret-pass" not in hidden.stdout


def test_a_tampered_value_is_an_error_at_its_line(tmp_path: Path, tools: Tools) -> None:
    root = make_set(tmp_path / "set", tools)
    file = root / "overrides" / "secrets.yml"
    lines = file.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "password: ENC[" in line)
    start = lines[at].index("data:") + 5
    flipped = "A" if lines[at][start] != "A" else "B"
    lines[at] = lines[at][:start] + flipped + lines[at][start + 1 :]
    file.write_text("\n".join(lines) + "\n")
    resolution = config(root, tools.key).resolve()
    errors = [(p.code, p.line, p.path) for p in resolution.errors]
    assert errors == [("secrets", at + 1, "db.password")]
    password = resolution.get("db.password")
    assert password is not None and isinstance(password.value, Encrypted)


def test_the_data_key_is_unwrapped_once_per_file(tmp_path: Path, tools: Tools) -> None:
    root = make_set(tmp_path / "set", tools)
    asked: list[tuple[str, ...]] = []

    def identities(recipients: object) -> list[str]:
        asked.append(tuple(recipients))  # type: ignore[arg-type]
        return [tools.key.identity]

    config_set = ConfigSet(root, trust_schema=True, identities=identities)
    for _ in range(3):
        config_set.resolve()
    config_set.resolve(config_set.context(override_type="other"))
    assert len(asked) == 1


def test_sops_comments_in_lists_are_not_list_items(tmp_path: Path, tools: Tools) -> None:
    root = tmp_path / "set"
    root.mkdir()
    (root / "base.yml").write_text("hosts:\n  # the first one\n  - a\n  - b\n")
    tools.sops("encrypt", "--in-place", "--age", tools.key.recipient, str(root / "base.yml"))
    assert "type:comment" in (root / "base.yml").read_text()
    for key in (tools.key, None):
        hosts = config(root, key).resolve().plain(reveal=True)["hosts"]
        assert len(hosts) == 2
    assert config(root, tools.key).resolve().plain(reveal=True)["hosts"] == ["a", "b"]


def test_the_manager_loads_securely_with_a_given_key(tmp_path: Path, tools: Tools) -> None:
    root = make_set(tmp_path / "set", tools)
    manager = OverrideManager(root, trust_schema=True)
    loaded = asyncio.run(manager.load_secure_configuration(None, encryption_key=tools.key.identity))
    assert loaded["db"]["password"] == "s3cret-pass"
    with pytest.raises(ConfigurationError, match="stay locked"):
        asyncio.run(manager.load_secure_configuration(None, encryption_key=_other_identity()))


def _other_identity() -> str:
    import pyrage

    return str(pyrage.x25519.Identity.generate())


def test_encrypt_sensitive_data_makes_a_sops_document(tmp_path: Path, tools: Tools) -> None:
    from ruamel.yaml import YAML

    root = make_set(tmp_path / "set", tools)
    manager = OverrideManager(root, trust_schema=True)
    document = manager.encrypt_sensitive_data({"api": {"token": "t0k3n", "url": "https://x"}})
    assert document["api"]["url"] == "https://x"
    assert document["api"]["token"].startswith("ENC[AES256_GCM,")
    file = tmp_path / "out.yml"
    with file.open("w") as handle:
        YAML(typ="safe", pure=True).dump(document, handle)
    decrypted = tools.sops("decrypt", str(file)).stdout
    assert "token: t0k3n" in decrypted and "t0k3n" not in file.read_text()

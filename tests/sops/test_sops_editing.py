"""`confscope set/unset` on a sops layer: re-encrypted in place, judged by the real sops."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from tests.sops.sops_tools import AgeKey, Tools

MANIFEST = 'base = ["base.yml", "secrets.yml"]\n'
BASE = "app:\n  name: demo\n  port: 8080\ndatabase:\n  user: app\n  password: changeme\n"
SECRETS = """\
database:
  # the production database
  host: db.internal
  password: {password}
api_key: {api_key}
"""
RULES = """\
creation_rules:
  - path_regex: .*\\.yml$
    encrypted_regex: ^(password|api_key|token)$
    age: {recipient}
"""


def make_set(tools: Tools) -> tuple[Path, dict[str, str]]:
    """A config set whose top layer `secrets.yml` was encrypted by the real sops."""
    root = tools.cwd
    values = {name: f"{name}-{secrets.token_hex(8)}" for name in ("password", "api_key")}
    (root / "confscope.toml").write_text(MANIFEST)
    (root / "base.yml").write_text(BASE)
    (root / ".sops.yaml").write_text(RULES.format(recipient=tools.key.recipient))
    file = root / "secrets.yml"
    file.write_text(SECRETS.format(**values))
    tools.sops("encrypt", "--in-place", "secrets.yml")
    assert values["password"] not in file.read_text()
    return file, values


def decrypted(tools: Tools) -> dict[str, object]:
    result = tools.sops("decrypt", "--output-type", "json", "secrets.yml")
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def changed_keys(before: str, after: str) -> list[str]:
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    return [new[i].strip().split(":")[0] for i, (a, b) in enumerate(zip(old, new)) if a != b]


def confscope(tools: Tools, *args: str, key_file: Path | None = None) -> tuple[int, str, str]:
    result = tools.confscope("-C", str(tools.cwd), *args, key_file=key_file)
    return result.returncode, result.stdout, result.stderr


def test_set_re_encrypts_in_place_and_sops_opens_it(tools: Tools) -> None:
    file, values = make_set(tools)
    before = file.read_text()
    code, out, err = confscope(tools, "set", "database.password", "s3cret-new-value")
    assert code == 0, err
    assert "s3cret-new-value" not in out + err and "<encrypted>" in out
    after = file.read_text()
    assert "s3cret-new-value" not in after
    assert changed_keys(before, after) in (["password", "lastmodified", "mac"], ["password", "mac"])
    data = decrypted(tools)
    assert data["database"] == {"host": "db.internal", "password": "s3cret-new-value"}
    assert data["api_key"] == values["api_key"]


def test_a_value_the_rules_leave_plain_stays_plain_inside_the_mac(tools: Tools) -> None:
    file, _ = make_set(tools)
    before = file.read_text()
    code, _out, err = confscope(tools, "set", "database.host", "db2.internal")
    assert code == 0, err
    after = file.read_text()
    assert "host: db2.internal" in after
    assert changed_keys(before, after) in (["host", "lastmodified", "mac"], ["host", "mac"])
    assert decrypted(tools)["database"]["host"] == "db2.internal"  # type: ignore[index]


def test_a_new_key_in_a_sops_file_is_encrypted_by_its_rules(tools: Tools) -> None:
    file, _ = make_set(tools)
    code, _, err = confscope(tools, "set", "database.token", "tok-123456", "--layer", "secrets")
    assert code == 0, err
    assert "tok-123456" not in file.read_text()
    code, _, err = confscope(tools, "set", "database.port", "5432", "--layer", "secrets")
    assert code == 0, err
    assert "port: 5432" in file.read_text()
    data = decrypted(tools)
    assert data["database"]["token"] == "tok-123456"  # type: ignore[index]
    assert data["database"]["port"] == 5432  # type: ignore[index]


def test_dry_run_shows_ciphertext_only_and_writes_nothing(tools: Tools) -> None:
    file, _ = make_set(tools)
    before = file.read_bytes()
    code, out, err = confscope(tools, "set", "database.password", "dry-run-secret", "--dry-run")
    assert code == 0, err
    assert "dry-run-secret" not in out
    added = [line for line in out.splitlines() if line.startswith("+") and "password" in line]
    assert added and "ENC[AES256_GCM" in added[0]
    assert file.read_bytes() == before


def test_unset_in_a_sops_file_keeps_the_mac_valid(tools: Tools) -> None:
    file, values = make_set(tools)
    code, _out, err = confscope(tools, "unset", "database.host", "--layer", "secrets")
    assert code == 0, err
    assert "host" not in file.read_text().split("sops:")[0]
    data = decrypted(tools)
    assert data["database"] == {"password": values["password"]}
    code, _, err = confscope(tools, "unset", "api_key")
    assert code == 0, err
    assert "api_key" not in decrypted(tools)
    code, _, err = confscope(tools, "unset", "database.password", "--directive")
    assert code == 1 and "sops file" in err


def test_without_a_key_the_edit_is_refused_naming_file_key_and_recipients(
    tools: Tools, tmp_path: Path
) -> None:
    file, _ = make_set(tools)
    before = file.read_bytes()
    empty = tmp_path / "no-key.txt"
    empty.write_text("# no identities here\n")
    code, _, err = confscope(tools, "set", "database.password", "x-123", key_file=empty)
    assert code == 1
    assert "secrets.yml" in err and "database.password" in err and tools.key.recipient in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = confscope(tools, "unset", "database.host", "--layer", "secrets", key_file=empty)
    assert code == 1 and tools.key.recipient in err
    assert file.read_bytes() == before


def test_a_wrong_key_is_refused(tools: Tools, other_key: AgeKey) -> None:
    file, _ = make_set(tools)
    before = file.read_bytes()
    code, _, err = confscope(tools, "set", "api_key", "x", key_file=other_key.file)
    assert code == 1 and "api_key" in err and tools.key.recipient in err
    assert file.read_bytes() == before


def test_the_schema_checks_the_plaintext_and_does_not_echo_it(tools: Tools) -> None:
    file, _ = make_set(tools)
    (tools.cwd / "schema.py").write_text(
        "from pydantic import BaseModel\n"
        "class Db(BaseModel):\n    password: str\n    host: str = ''\n    port: int = 0\n"
        "class Conf(BaseModel):\n    database: Db\n"
    )
    (tools.cwd / "confscope.toml").write_text(MANIFEST + 'schema = "schema.py:Conf"\n')
    before = file.read_bytes()
    code, _, err = confscope(
        tools, "--trust", "set", "database.port", "not-a-port", "--layer", "secrets"
    )
    assert code == 1 and "schema refuses" in err and "not-a-port" not in err
    assert file.read_bytes() == before


def test_plaintext_never_reaches_the_disk_through_set(tools: Tools, tmp_path: Path) -> None:
    _file, values = make_set(tools)
    new = f"edited-{secrets.token_hex(8)}"
    for step in (
        ("set", "database.password", new),
        ("set", "api_key", new + "-2", "--dry-run"),
        ("unset", "database.host", "--layer", "secrets"),
    ):
        result = tools.confscope_process("-C", str(tools.cwd), *step)
        assert result.returncode == 0, result.stderr
        assert new not in result.stdout + result.stderr
    assert decrypted(tools)["database"] == {"password": new}
    needles = [v.encode() for v in (*values.values(), new)]
    searched = 0
    for root in (tmp_path, tools.home, tools.tmp):
        for dirpath, _, names in os.walk(root):
            for name in names:
                data = (Path(dirpath) / name).read_bytes()
                searched += 1
                for needle in needles:
                    assert needle not in data, f"{needle!r} found in {dirpath}/{name}"
    assert searched >= 4


PLAIN_LAYER = "database:\n  host: db.internal\n  password: {password}\napi_key: {api_key}\n"


def make_plain_set(tools: Tools) -> tuple[Path, dict[str, str]]:
    root = tools.cwd
    values = {name: f"{name}-{secrets.token_hex(8)}" for name in ("password", "api_key")}
    (root / "confscope.toml").write_text(MANIFEST + "secret_keys = '(?i)(password|api_key)$'\n")
    (root / "base.yml").write_text(BASE)
    (root / ".sops.yaml").write_text(RULES.format(recipient=tools.key.recipient))
    file = root / "secrets.yml"
    file.write_text(PLAIN_LAYER.format(**values))
    return file, values


def test_encrypt_value_turns_the_flagged_file_into_a_sops_file(tools: Tools) -> None:
    file, values = make_plain_set(tools)
    code, out, _ = confscope(tools, "validate")
    assert "plaintext" in out.lower() or code == 1
    code, out, err = confscope(tools, "secrets", "encrypt-value", "database.password", "--dry-run")
    assert code == 0, err
    assert values["password"] not in out and values["api_key"] not in out and "ENC[" in out
    assert values["password"] in file.read_text()
    code, out, err = confscope(tools, "secrets", "encrypt-value", "database.password")
    assert code == 0, err
    assert values["password"] not in out + err
    text = file.read_text()
    assert values["password"] not in text and values["api_key"] not in text
    assert "host: db.internal" in text  # the rule's encrypted_regex leaves it readable
    data = decrypted(tools)
    assert data["database"] == {"host": "db.internal", "password": values["password"]}
    code, _, err = confscope(tools, "secrets", "encrypt-value", "database.password")
    assert code == 1 and "sops file already" in err


def test_encrypt_value_refuses_when_the_rule_would_leave_it_plain(tools: Tools) -> None:
    file, _ = make_plain_set(tools)
    before = file.read_bytes()
    code, _, err = confscope(tools, "secrets", "encrypt-value", "database.host")
    assert code == 1 and "database.host" in err and "encrypted_regex" in err
    (tools.cwd / ".sops.yaml").unlink()
    code, _, err = confscope(tools, "secrets", "encrypt-value", "database.password")
    assert code == 1 and "no .sops.yaml creation rule" in err and "secrets.yml" in err
    assert file.read_bytes() == before


def test_the_engine_plans_with_given_identities_and_refuses_a_stale_file(tools: Tools) -> None:
    from core.configset import ConfigSet
    from core.editing import prepare_set, undo_plan, write_plan
    from core.editing.planning import EditPlan

    file, values = make_set(tools)
    for name, value in tools.env().items():  # resolving decrypts: no OS keyring here either
        tools.env_patch.setenv(name, value)
    config = ConfigSet(tools.cwd)
    resolution = config.resolve(config.context())
    plan = prepare_set(
        config, resolution, "api_key", "rotated-api-key", identities=tools.key.identities
    )
    assert isinstance(plan, EditPlan), plan
    assert b"rotated-api-key" not in plan.after and "rotated-api-key" not in plan.description
    result = write_plan(plan)
    assert result.written, result.problem
    assert decrypted(tools)["api_key"] == "rotated-api-key"
    undo = undo_plan(result)
    assert undo is not None and write_plan(undo).written
    assert decrypted(tools)["api_key"] == values["api_key"]  # undo gives back a valid file
    file.write_bytes(file.read_bytes() + b"# touched\n")  # the resolution is out of date
    stale = prepare_set(config, resolution, "api_key", "x-1", identities=tools.key.identities)
    assert not isinstance(stale, EditPlan) and "changed on disk" in stale.message
    fresh = config.resolve(config.context())
    plan = prepare_set(config, fresh, "api_key", "x-2", identities=tools.key.identities)
    assert isinstance(plan, EditPlan), plan
    file.write_bytes(file.read_bytes() + b"# touched\n")
    outcome = write_plan(plan)
    assert not outcome.written and outcome.problem is not None
    assert "changed on disk" in outcome.problem.message


def test_a_comment_left_by_a_removal_is_sealed_for_its_new_place(tools: Tools) -> None:
    """Without a regex rule sops encrypts comments too, bound to their collection."""
    root = tools.cwd
    (root / "confscope.toml").write_text('base = ["secrets.yml"]\n')
    (root / ".sops.yaml").write_text(
        f"creation_rules:\n  - path_regex: .*\\.yml$\n    age: {tools.key.recipient}\n"
    )
    file = root / "secrets.yml"
    file.write_text("# top\na:\n  # about b\n  b: 1\n  # about c\n  c: two\nz: 9\n")
    tools.sops("encrypt", "--in-place", "secrets.yml")
    assert "about c" not in file.read_text()
    for step in (("unset", "a.c"), ("unset", "a.b")):
        code, _, err = confscope(tools, *step)
        assert code == 0, err
    result = tools.sops("decrypt", "secrets.yml")
    assert "unencrypted comment" not in result.stderr, result.stderr
    assert "ENC[" not in result.stdout and "z: 9" in result.stdout

"""The seed's Python API: OverrideManager."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest

from core import OverrideManager
from core.manager import ConfigurationError
from core.trust import TrustStore, schema_code

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"


@pytest.fixture
def sample_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trust_store: TrustStore) -> Path:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "CI", "NVIDIA_VISIBLE_DEVICES"):
        monkeypatch.delenv(name, raising=False)
    target = tmp_path / "set"
    shutil.copytree(SAMPLES, target)
    # Old mtimes: the cache trusts (size, mtime) only once a file is past the racy window.
    past = time.time() - 60
    for path in target.rglob("*"):
        os.utime(path, (past, past))
    trust_store.trust(target, schema_code("schema.py:AppConfig", target))
    return target


def test_load_with_validation_returns_the_merged_dict(sample_set: Path) -> None:
    manager = OverrideManager(sample_set)
    config = asyncio.run(manager.load_with_validation("docker"))
    assert config["database"]["pool"]["max_size"] == 10
    assert "_metadata" not in config
    assert manager.get_database_config()["pool"]["max_size"] == 10
    assert manager.get_api_config()["port"] == 8000
    assert "jwt" in manager.get_security_config()
    assert manager.get_ml_config()


def test_load_with_validation_raises_with_every_problem(sample_set: Path) -> None:
    manager = OverrideManager(sample_set)
    with pytest.raises(ConfigurationError) as error:
        asyncio.run(manager.load_with_validation("broken"))
    assert len(error.value.problems) >= 9
    assert "overrides/broken.yml:25" in str(error.value)


def test_an_unchanged_file_is_never_parsed_twice(sample_set: Path) -> None:
    manager = OverrideManager(sample_set)
    asyncio.run(manager.load_with_validation("docker"))
    first = manager.get_cache_stats()
    asyncio.run(manager.load_with_validation("docker"))
    asyncio.run(manager.load_with_validation("local"))
    second = manager.get_cache_stats()
    assert first["parses"] == first["misses"] > 0
    assert second["parses"] == first["parses"]
    assert second["hits"] > first["hits"]

    docker = sample_set / "overrides" / "docker.yml"
    docker.write_text(docker.read_text().replace("max_size: 10", "max_size: 12"))
    config = asyncio.run(manager.load_with_validation("docker"))
    assert config["database"]["pool"]["max_size"] == 12
    assert manager.get_cache_stats()["parses"] == first["parses"] + 1


def test_touch_without_change_is_not_a_parse(sample_set: Path) -> None:
    manager = OverrideManager(sample_set)
    manager.load_configuration("docker")
    parses = manager.get_cache_stats()["parses"]
    os.utime(sample_set / "base.yml")
    manager.load_configuration("docker")
    assert manager.get_cache_stats()["parses"] == parses


def test_cache_ttl_expires_and_clear_cache(sample_set: Path) -> None:
    manager = OverrideManager(sample_set, cache_ttl=0)
    manager.load_configuration("docker")
    parses = manager.get_cache_stats()["parses"]
    manager.load_configuration("docker")
    assert manager.get_cache_stats()["parses"] == 2 * parses
    cached = OverrideManager(sample_set)
    cached.load_configuration()
    cached.clear_cache()
    assert cached.get_cache_stats()["entries"] == 0


def test_cache_disabled_parses_every_time(sample_set: Path) -> None:
    manager = OverrideManager(sample_set, enable_cache=False)
    manager.load_configuration("docker")
    parses = manager.get_cache_stats()["parses"]
    manager.load_configuration("docker")
    assert manager.get_cache_stats()["parses"] == 2 * parses


def test_load_and_validate_single_files(sample_set: Path) -> None:
    manager = OverrideManager(sample_set)
    data = manager.load_override_file("overrides/docker.yml")
    assert data["_metadata"]["name"] == "docker"
    assert manager.validate_override_file("overrides/docker.yml").valid
    result = manager.validate_override_file("overrides/broken.yml")
    assert not result.valid and any("70000" in e for e in result.errors)
    with pytest.raises(ConfigurationError):
        manager.load_override_file("overrides/broken-syntax.yml")


def test_validate_override_dict(sample_set: Path) -> None:
    manager = OverrideManager(sample_set)
    assert manager.validate_override({"api": {"port": 8080}}).valid
    bad = manager.validate_override({"_metadata": {"priority": "high"}, "api": {"port": 0}})
    assert not bad.valid
    assert any("priority" in e for e in bad.errors) and any("api.port" in e for e in bad.errors)


def test_evaluate_conditions(sample_set: Path) -> None:
    manager = OverrideManager(sample_set)
    assert manager.evaluate_conditions(
        {"name": "x", "conditions": {"override_type": "docker"}}, override_type="docker"
    )
    assert not manager.evaluate_conditions(
        {"name": "x", "conditions": {"override_type": "local"}}, override_type="docker"
    )
    assert not manager.evaluate_conditions(
        {"name": "x", "conditions": {"requires": ["local"]}}, override_type="docker"
    )


def test_merge_and_resolve_plain_configs() -> None:
    manager = OverrideManager(SAMPLES)
    merged = asyncio.run(manager.merge_configurations([{"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}]))
    assert merged == {"a": {"b": 3, "c": 2}}
    resolved = manager.resolve_environment_variables(
        {"port": "${P:-5432}", "url": "db://${H:-localhost}"}, env={}
    )
    assert resolved == {"port": 5432, "url": "db://localhost"}
    with pytest.raises(ConfigurationError) as error:
        manager.resolve_environment_variables({"a": "${MISSING}", "b": ["${ALSO_MISSING}"]}, env={})
    assert [p.path for p in error.value.problems] == ["a", "b[0]"]


def test_trust_schema_runs_an_untrusted_schema(sample_set: Path, trust_store: TrustStore) -> None:
    trust_store.revoke(sample_set)
    untrusted = OverrideManager(sample_set).validate_override(
        {"database": {"pool": {"max_size": "x"}}}
    )
    assert not any(p.code == "schema" for p in untrusted.problems)
    assert any(p.code == "untrusted-schema" for p in untrusted.problems)
    trusted = OverrideManager(sample_set, trust_schema=True)
    result = trusted.validate_override({"database": {"pool": {"max_size": "x"}}})
    assert any(p.code == "schema" for p in result.problems)

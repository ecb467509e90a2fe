"""Fixtures for every test: a throwaway trust store, never the user's own.

Under CI the property tests draw the same examples every run (hypothesis' "ci"
profile): a gate must not pass or fail by the luck of the draw. Locally they explore
afresh each run, and what they find is kept in .hypothesis/ and replayed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from core.trust import TrustStore, schema_code

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"


@pytest.fixture(autouse=True)
def trust_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> TrustStore:
    """The trust store lives under a fresh XDG_DATA_HOME (platformdirs reads it), and it
    trusts the bundled samples, as `make run` does: most tests look at a validated set.
    Tests of the trust flow itself use their own sets, or revoke."""
    data = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    store = TrustStore()
    assert store.directory.is_relative_to(data)
    store.trust(SAMPLES, schema_code("schema.py:AppConfig", SAMPLES))
    return store

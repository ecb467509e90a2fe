"""The lighter event classes: on with this clib, undone after use, same results."""

from __future__ import annotations

from pathlib import Path

import _ruamel_yaml
import pytest
from ruamel.yaml import events as stock

from core import events
from core.loading import parse_bytes
from core.model import MAPPING, SEQUENCE, Node

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"


def test_the_installed_parser_takes_the_light_events() -> None:
    # If this fails after a ruamel.yaml.clib upgrade, loading still works (stock
    # events) but is slower: look at core/events.py's probe.
    assert events.ENABLED


def test_the_swap_is_undone_even_when_parsing_fails() -> None:
    assert _ruamel_yaml.ScalarEvent is stock.ScalarEvent
    parse_bytes(b"a: [1,\n", "bad.yml")
    assert _ruamel_yaml.ScalarEvent is stock.ScalarEvent
    assert _ruamel_yaml.MappingStartEvent is stock.MappingStartEvent


def shape(node: Node) -> object:
    if node.kind == MAPPING:
        children: object = {k: shape(v) for k, v in node.value.items()}
    elif node.kind == SEQUENCE:
        children = [shape(v) for v in node.value]
    else:
        children = (type(node.value).__name__, node.value, node.raw)
    return (node.kind, node.line, node.column, node.tag, children)


@pytest.mark.parametrize("path", sorted(SAMPLES.rglob("*.yml")), ids=lambda p: p.name)
def test_light_and_stock_events_read_files_the_same(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    light = parse_bytes(data, path.name)
    monkeypatch.setattr(events, "ENABLED", False)
    plain = parse_bytes(data, path.name)
    assert light.problems == plain.problems
    assert (light.root is None) == (plain.root is None)
    if light.root is not None and plain.root is not None:
        assert shape(light.root) == shape(plain.root)

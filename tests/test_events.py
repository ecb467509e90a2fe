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


def _stock_events(text: str) -> list[tuple[str, object, int, int]]:
    """Every event of `text` as ruamel's own C parser gives it, end marks included."""
    parser = _ruamel_yaml.CParser(text)
    seen = []
    while (event := parser.get_event()) is not None:
        seen.append(
            (
                event.crepr,
                getattr(event, "value", None),
                event.end_mark.index,
                event.start_mark.index,
            )
        )
    return seen


def test_another_thread_parsing_with_ruamel_sees_ordinary_events() -> None:
    """ruamel's C parser in a second thread, while confscope loads, gets correct events.

    The swap of event classes is process-wide for its span; a reader meeting a light
    event must not be able to tell (it used to fail with "no attribute 'end_mark'").
    """
    import sys
    import threading

    from ruamel.yaml import YAML

    data = (SAMPLES / "base.yml").read_bytes()
    text = data.decode()
    expected_events = _stock_events(text)
    expected_data = YAML(typ="safe", pure=False).load(text)
    failures: list[str] = []
    rounds = [0]
    done = threading.Event()

    def other_reader() -> None:
        loader = YAML(typ="safe", pure=False)
        while not done.is_set():
            try:
                if _stock_events(text) != expected_events:
                    failures.append("the event stream differed")
                if loader.load(text) != expected_data:
                    failures.append("the loaded data differed")
            except Exception as error:
                failures.append(repr(error))
            rounds[0] += 1
            if failures:
                return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so the two really interleave
    try:
        thread = threading.Thread(target=other_reader)
        thread.start()
        for _ in range(150):
            parse_bytes(data, "base.yml")
        while rounds[0] < 20 and not failures:
            parse_bytes(data, "base.yml")
    finally:
        done.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert failures == []
    assert rounds[0] >= 20

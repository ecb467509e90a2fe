"""The TUI's pure parts: the what-if state, value rendering, the editor command."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model import Encrypted
from core.whatif import WhatIf
from tui.editor import EditorError, editor_command
from tui.render import LayerColours, scalar_text
from tui.whatif import cycle


def test_whatif_round_trips_the_cli_keywords() -> None:
    kwargs = {
        "environment": "staging",
        "override_type": "docker",
        "set_env": {"A": "1"},
        "unset_env": ["B"],
        "force_on": ["x"],
        "force_off": ["y"],
        "reveal": True,  # not a context keyword: ignored
    }
    whatif = WhatIf.from_kwargs(kwargs)
    assert whatif.kwargs() == {k: v for k, v in kwargs.items() if k != "reveal"}
    assert WhatIf.from_kwargs({}).kwargs() == {}


def test_env_changes_set_unset_and_forget() -> None:
    whatif = WhatIf().with_env_change("A=1").with_env_change(" B = x=y ")
    assert whatif.set_env == (("A", "1"), ("B", " x=y "))
    whatif = whatif.with_env_change("-A")
    assert whatif.set_env == (("B", " x=y "),) and whatif.unset_env == ("A",)
    whatif = whatif.with_env_change("A=")  # set to empty: no longer unset
    assert ("A", "") in whatif.set_env and whatif.unset_env == ()
    assert whatif.with_env_change("A").with_env_change("B") == WhatIf()
    for bad in ("", "=1", "1A=2", "A-B=3", "-"):
        with pytest.raises(ValueError):
            WhatIf().with_env_change(bad)


def test_forcing_cycles_on_off_and_back() -> None:
    whatif = WhatIf()
    states = []
    for _ in range(3):
        whatif = whatif.cycle_force("docker")
        states.append((whatif.force_state("docker"), whatif.force_on, whatif.force_off))
    assert states == [
        ("on", ("docker",), ()),
        ("off", (), ("docker",)),
        (None, (), ()),
    ]


def test_cycle() -> None:
    assert cycle(["a", "b", "c"], "c") == "a"
    assert cycle(["a", "b"], "z") == "a"
    assert cycle([], "z") == "z"


def test_scalars_read_as_yaml_and_secrets_stay_masked() -> None:
    assert scalar_text(None) == "null"
    assert scalar_text(True) == "true"
    assert scalar_text("") == "''"
    assert scalar_text(" padded") == "' padded'"
    assert scalar_text(Encrypted("ENC[AES256_GCM,data:eA==,type:int]", "int")) == "<encrypted:int>"


def test_layer_colours_are_stable_and_distinct() -> None:
    colours = LayerColours()
    colours.assign(["base", "docker", "local"], {"base"})
    first = [colours.colour(name) for name in ("base", "docker", "local")]
    colours.assign(["local", "docker", "testing", "base"], {"base"})
    assert [colours.colour(name) for name in ("base", "docker", "local")] == first
    assert len({colours.colour(n) for n in ("docker", "local", "testing")}) == 3


def test_editor_command_is_chosen_and_split_as_git_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    file = tmp_path / "a.yml"
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    assert editor_command(file, 3) is None
    monkeypatch.setenv("EDITOR", "code --wait")  # arguments are kept
    assert editor_command(file, 3) == ["code", "--wait", "--goto", f"{file}:3"]
    monkeypatch.setenv("EDITOR", "'/opt/my editor/bin/vim' -n")  # quoted like a shell
    assert editor_command(file, 0) == ["/opt/my editor/bin/vim", "-n", "+1", str(file)]
    monkeypatch.setenv("EDITOR", "my-editor")  # unknown: the file alone, no guessed +LINE
    assert editor_command(file, 3) == ["my-editor", str(file)]
    monkeypatch.setenv("VISUAL", "nvim")  # VISUAL before EDITOR
    assert editor_command(file, 7) == ["nvim", "+7", str(file)]
    monkeypatch.setenv("VISUAL", "vim 'unclosed")
    with pytest.raises(EditorError, match=r"\$VISUAL cannot be read as a command"):
        editor_command(file, 1)

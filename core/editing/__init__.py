"""Editing: change or remove one value in a layer file, byte-exact and atomically.

The loader knows where every value stands; an edit replaces that span of the file's
bytes and nothing else, then re-reads the file to prove only the intended path changed.

- `prepare_set` / `prepare_unset`: an edit as a user asks for it (key, value, layer),
  checked against the schema; they return an `EditPlan` or a `Problem`.
- `plan_set` / `plan_remove` / `plan_unset_directive`: the same on one file.
- `prepare_encrypt`: a plaintext secret's file encrypted per its `.sops.yaml` rule.
- `write_plan`: write a plan if its file is unchanged since; `undo_plan` reverses one.

The names are imported when first asked for, so a command that needs one small part
(`secrets set` reads its VALUE with `core.editing.rendering`) does not load the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.editing.encrypting import prepare_encrypt
    from core.editing.planning import EditPlan, plan_remove, plan_set, plan_unset_directive
    from core.editing.requests import prepare_set, prepare_unset
    from core.editing.source import FileStamp
    from core.editing.splicing import Splice, ValueHook
    from core.editing.writing import WriteResult, undo_plan, write_plan

_HOMES = {
    "EditPlan": "planning",
    "FileStamp": "source",
    "Splice": "splicing",
    "ValueHook": "splicing",
    "WriteResult": "writing",
    "plan_remove": "planning",
    "plan_set": "planning",
    "plan_unset_directive": "planning",
    "prepare_encrypt": "encrypting",
    "prepare_set": "requests",
    "prepare_unset": "requests",
    "undo_plan": "writing",
    "write_plan": "writing",
}

__all__ = [
    "EditPlan",
    "FileStamp",
    "Splice",
    "ValueHook",
    "WriteResult",
    "plan_remove",
    "plan_set",
    "plan_unset_directive",
    "prepare_encrypt",
    "prepare_set",
    "prepare_unset",
    "undo_plan",
    "write_plan",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'core.editing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"core.editing.{home}"), name)
    globals()[name] = value
    return value

"""Turning parsed files into layers: one per YAML document, each with a unique name.

A multi-document file is a stack of layers in document order (Spring's
``application.yml`` with a document per profile): each document may carry its own
`_metadata`, and a later one wins a priority tie. In a base file, a later document
that has conditions becomes an override layer, since a base layer is always active.

Names come from `_metadata.name` or from the file stem (``stem#N`` for the Nth
document). Same-named files are a normal layout (``base/deployment.yaml`` with
``overlays/prod/deployment.yaml``, Helm's ``examples/*/values.yaml``): a derived name
that collides is made unique from the path (``overlays/prod/deployment``). Only two
layers that declare the same name are an error, which activation reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from core.caching import with_layer
from core.loading import Document, ParsedFile
from core.metadata import layer_file, metadata_node
from core.model import FileIdentity, LayerFile, Problem


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One layer file as read: where it is, how it is shown, and what it holds."""

    path: Path
    display: str
    parsed: ParsedFile
    is_base: bool
    identity: FileIdentity | None = None


def build_layers(files: Sequence[SourceFile]) -> tuple[list[LayerFile], list[Problem]]:
    """Every layer the files make, in file and document order, with their problems.

    Each problem carries the (final, unique) name of the layer it belongs to: a
    problem inside a document belongs to that document's layer.
    """
    made: list[tuple[LayerFile, list[Problem]]] = []
    for source in files:
        made.extend(
            (replace(layer, identity=source.identity, sops=source.parsed.sops), problems)
            for layer, problems in _file_layers(source, order=len(made))
        )
    layers = unique_names([layer for layer, _ in made])
    problems: list[Problem] = []
    for layer, (_, found) in zip(layers, made, strict=True):
        problems.extend(with_layer(found, layer.name))
    return layers, problems


def _file_layers(source: SourceFile, order: int) -> list[tuple[LayerFile, list[Problem]]]:
    parsed = source.parsed
    documents = parsed.documents
    if len(documents) <= 1:
        root = documents[0].root if documents else parsed.root
        line = documents[0].line if documents else 1
        layer, problems = layer_file(
            source.path, source.display, root, is_base=source.is_base, order=order
        )
        return [(replace(layer, line=line), parsed.problems + problems)]
    out: list[tuple[LayerFile, list[Problem]]] = []
    for position, (document, found) in enumerate(
        zip(documents, _by_document(parsed.problems, documents), strict=True)
    ):
        conditional = metadata_node(document.root, "conditions") is not None
        layer, problems = layer_file(
            source.path,
            source.display,
            document.root,
            is_base=source.is_base and not (position and conditional),
            order=order + position,
            document=document.index,
            line=document.line,
        )
        out.append((layer, found + problems))
    return out


def _by_document(problems: list[Problem], documents: list[Document]) -> list[list[Problem]]:
    """The file's problems split by the document whose lines hold them (no line: the first)."""
    split: list[list[Problem]] = [[] for _ in documents]
    for problem in problems:
        index = 0
        if problem.line is not None:
            for position, document in enumerate(documents):
                if document.line <= problem.line:
                    index = position
        split[index].append(problem)
    return split


def unique_names(layers: Sequence[LayerFile]) -> list[LayerFile]:
    """The layers, each derived name that collides replaced by one made from the path.

    A declared name is kept as it is (two equal declared names are activation's
    error); a derived name yields to a declared one.
    """
    declared = {layer.name for layer in layers if layer.declared_name}
    derived = Counter(layer.name for layer in layers if not layer.declared_name)

    def collides(layer: LayerFile) -> bool:
        return not layer.declared_name and (derived[layer.name] > 1 or layer.name in declared)

    taken = {layer.name for layer in layers if not collides(layer)}
    out: list[LayerFile] = []
    for layer in layers:
        if collides(layer):
            name = next(name for name in _path_names(layer) if name not in taken)
            taken.add(name)
            layer = replace(layer, name=name)
        out.append(layer)
    return out


def _path_names(layer: LayerFile) -> Iterator[str]:
    """Names for `layer` from its path, most readable first: ``overlays/prod/deployment``."""
    tail = f"#{layer.document}" if layer.document > 1 else ""
    yield f"{PurePosixPath(layer.display).with_suffix('')}{tail}"
    yield f"{layer.display}{tail}"
    count = 2
    while True:
        yield f"{layer.display}{tail}~{count}"
        count += 1

"""Round trips over real-world YAML shapes: each edit changes its own lines and nothing else.

The corpus (tests/corpus/) is written in the shapes Helm, docker-compose, Spring,
Hydra, Ansible and GitHub Actions use, plus comments, anchors, block scalars, flow
collections, quoted keys, CRLF line ends and a BOM. Every edit is written for real,
then the file is compared line by line with the original and parsed again.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.editing import EditPlan, plan_remove, plan_set, plan_unset_directive, write_plan
from core.editing.checking import same
from core.editing.spans import locate, target_of
from core.editing.splicing import entry_end
from core.loading import parse_bytes
from core.model import KeyPath, Problem, parse_path

CORPUS = Path(__file__).resolve().parent / "corpus"

# (file, key, new value, how many lines the value takes before and after)
LEAVES: list[tuple[str, str, Any]] = [
    ("helm-values.yaml", "replicaCount", 3),
    ("helm-values.yaml", "image.tag", "1.5.0"),
    ("helm-values.yaml", "image.pullPolicy", "Always"),
    ("helm-values.yaml", "nameOverride", "web-app"),
    ("helm-values.yaml", """podAnnotations["prometheus.io/port"]""", "9200"),
    ("helm-values.yaml", "securityContext.capabilities.drop[0]", "NET_RAW"),
    ("helm-values.yaml", "ingress.hosts[0].paths[0].path", "/api"),
    (
        "helm-values.yaml",
        """ingress.annotations["nginx.ingress.kubernetes.io/proxy-body-size"]""",
        "16m",
    ),
    ("helm-values.yaml", "resources.requests.memory", "256Mi"),
    ("helm-values.yaml", "autoscaling.enabled", True),
    ("docker-compose.yml", "version", "3.8"),
    ("docker-compose.yml", "services.web.image", "example/web:2.0"),
    ("docker-compose.yml", "services.web.ports[1]", "8443:443"),
    ("docker-compose.yml", "services.web.depends_on[1]", "redis"),
    ("docker-compose.yml", "services.web.healthcheck.retries", 5),
    ("docker-compose.yml", "services.web.healthcheck.test[3]", "http://localhost:8080"),
    ("docker-compose.yml", "services.db.image", "postgres:17-alpine"),
    ("docker-compose.yml", "services.db.environment.POSTGRES_DB", "orders"),
    ("application.yml", "spring.application.name", "billing-service"),
    ("application.yml", "spring.datasource.hikari.maximum-pool-size", 20),
    ("application.yml", 'spring.jpa.properties.hibernate["[format_sql]"]', False),
    ("application.yml", "server.port", 9090),
    ("application.yml", "management.endpoints.web.exposure.include", "health,info"),
    ("application.yml", 'logging.level["[org.hibernate.SQL]"]', "TRACE"),
    ("application.yml", "logging.pattern.console", "%msg%n"),
    ("hydra-config.yaml", "seed", 7),
    ("hydra-config.yaml", "trainer.precision", "bf16-mixed"),
    ("hydra-config.yaml", "optimizer.lr", 0.001),
    ("hydra-config.yaml", "optimizer.betas[1]", 0.99),
    ("hydra-config.yaml", "data.root", "${oc.env:DATA_ROOT,/mnt/data}"),
    ("hydra-config.yaml", "defaults[1].optimizer", "sgd"),
    ("hydra-config.yaml", "hydra.sweep.dir", "sweeps"),
    ("group_vars/all.yml", "ntp_server", "pool.ntp.org"),
    ("group_vars/all.yml", "ntp_enabled", False),
    ("group_vars/all.yml", "users[0].shell", "/bin/zsh"),
    ("group_vars/all.yml", "users[1].shell", None),
    ("group_vars/all.yml", 'sysctl_settings["vm.swappiness"]', 1),
    ("group_vars/all.yml", "motd", "Managed by Ansible.\nDo not edit.\n"),
    ("group_vars/all.yml", "firewall_allowed_ports[2]", 8443),
    (".github/workflows/ci.yml", "name", "Tests"),
    (".github/workflows/ci.yml", "env.PYTHON_VERSION", "3.13"),
    (".github/workflows/ci.yml", "jobs.test.timeout-minutes", 30),
    (".github/workflows/ci.yml", "jobs.test.strategy.matrix.python[0]", "3.10"),
    (".github/workflows/ci.yml", "jobs.test.steps[0].uses", "actions/checkout@v5"),
    (".github/workflows/ci.yml", "jobs.test.steps[1].with.cache", "poetry"),
    (".github/workflows/ci.yml", "jobs.test.steps[3].run", "make check\n"),
    ("shapes.yml", "primary.host", "db2.internal"),
    ("shapes.yml", '["quoted key"]', "other value"),
    ("shapes.yml", '["single key"]', "it's"),
    ("shapes.yml", "plain", "new text"),
    ("shapes.yml", "folded", "short"),
    ("shapes.yml", "literal", "one\ntwo\nthree"),
    ("shapes.yml", "nested.flow.b", "three"),
    ("shapes.yml", "nested.flow.c[1]", "z"),
    ("shapes.yml", "nested.list[1]", 3.75),
    ("shapes.yml", "nested.deep.deeper.deepest", "fine"),
    ("shapes.yml", "tilde", "set"),
    ("shapes.yml", "empty", 0),
    ("shapes.yml", "octal_like", "0644"),
    ("shapes.yml", "version", "2.0"),
    ("crlf.yml", "server.port", 9000),
    ("crlf.yml", "name", "still crlf"),
    ("bom.yml", "server.host", "example.org"),
    ("bom.yml", "note", "grüße"),
]


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CORPUS / name, target)
    return target


def _plain(data: bytes) -> Any:
    parsed = parse_bytes(data, "file")
    assert not [p for p in parsed.problems if p.severity == "error"], parsed.problems
    return parsed.root.plain() if parsed.root is not None else {}


def _expected(data: Any, path: KeyPath, value: Any, remove: bool = False) -> Any:
    node = data
    for key in path[:-1]:
        if isinstance(node, dict):
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
        else:
            node = node[key]
    if remove:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def _written(plan: EditPlan | Problem) -> EditPlan:
    assert isinstance(plan, EditPlan), str(plan)
    result = write_plan(plan)
    assert result.written, result.problem
    return plan


def _changed_lines(before: bytes, after: bytes) -> tuple[list[int], list[bytes]]:
    """The 1-based old lines that changed or went, and the new lines that replace them."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    removed: list[int] = []
    added: list[bytes] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += range(i1 + 1, i2 + 1)
            added += new[j1:j2]
    return removed, added


def _value_lines(data: bytes, path: KeyPath) -> range:
    """The lines the value at `path` spans (its key's line to its last line)."""
    text = data.decode("utf-8")
    entry = target_of(locate(text, path), path)
    assert entry is not None
    last = text.count("\n", 0, max(entry_end(text, entry) - 1, entry.value.start)) + 1
    return range(text.count("\n", 0, entry.value.start) + 1, last + 1)


@pytest.mark.parametrize(("name", "key", "value"), LEAVES, ids=[f"{n}:{k}" for n, k, _ in LEAVES])
def test_setting_a_leaf_changes_only_its_lines(
    tmp_path: Path, name: str, key: str, value: Any
) -> None:
    file = _copy(tmp_path, name)
    before = file.read_bytes()
    path = parse_path(key)
    _written(plan_set(file, name, path, value))
    after = file.read_bytes()
    removed, added = _changed_lines(before, after)
    assert removed, "nothing changed"
    assert set(removed) <= set(_value_lines(before, path)), (removed, added)
    assert same(_plain(after), _expected(_plain(before), path, value))
    if b"\r\n" in before:
        assert after.count(b"\n") == after.count(b"\r\n")
    assert after.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")


def test_every_corpus_file_takes_several_edits_one_after_another(tmp_path: Path) -> None:
    by_file: dict[str, list[tuple[str, Any]]] = {}
    for name, key, value in LEAVES:
        by_file.setdefault(name, []).append((key, value))
    for name, edits in by_file.items():
        file = _copy(tmp_path, name)
        expected = _plain(file.read_bytes())
        for key, value in edits:
            _written(plan_set(file, name, parse_path(key), value))
            expected = _expected(expected, parse_path(key), value)
        assert same(_plain(file.read_bytes()), expected), name


INSERTS: list[tuple[str, str, Any, str]] = [
    ("helm-values.yaml", "image.digest", "sha256:abc", "  digest: sha256:abc\n"),
    ("helm-values.yaml", "service.nodePort", 30080, "  nodePort: 30080\n"),
    ("helm-values.yaml", "resources.requests.ephemeral", "1Gi", ", ephemeral: 1Gi}"),
    (
        "helm-values.yaml",
        "podSecurityContext.fsGroup",
        2000,
        "podSecurityContext:\n  fsGroup: 2000\n",
    ),
    ("docker-compose.yml", "services.db.restart", "always", "    restart: always\n"),
    ("application.yml", "server.ssl.enabled", True, "  ssl:\n    enabled: true\n"),
    ("hydra-config.yaml", "trainer.accumulate_grad_batches", 4, "  accumulate_grad_batches: 4\n"),
    (
        "group_vars/all.yml",
        "nginx_client_max_body_size",
        "10m",
        "nginx_client_max_body_size: 10m\n",
    ),
    (".github/workflows/ci.yml", "jobs.test.env.CI", True, "    env:\n      CI: true\n"),
    ("shapes.yml", "empty.child", 1, "  child: 1\n"),
    ("shapes.yml", "nested.deep.deeper.other", "x", "      other: x\n"),
    ("crlf.yml", "server.debug", False, "  debug: false\r\n"),
    ("bom.yml", "server.tls", True, "  tls: true\n"),
]


@pytest.mark.parametrize(
    ("name", "key", "value", "text"), INSERTS, ids=[f"{n}:{k}" for n, k, _, _ in INSERTS]
)
def test_a_missing_path_is_created_where_the_file_would_have_it(
    tmp_path: Path, name: str, key: str, value: Any, text: str
) -> None:
    file = _copy(tmp_path, name)
    before = file.read_bytes()
    path = parse_path(key)
    _written(plan_set(file, name, path, value))
    after = file.read_bytes()
    assert text.encode() in after
    assert same(_plain(after), _expected(_plain(before), path, value))
    # Only lines were added (or, in a flow mapping, the one line changed).
    removed, _added = _changed_lines(before, after)
    assert len(removed) <= 1


REMOVALS: list[tuple[str, str, str, int]] = [
    ("helm-values.yaml", "image.tag", "image.tag", 1),
    ("helm-values.yaml", "service.port", "service.port", 1),
    ("helm-values.yaml", "resources.requests.cpu", "resources.requests.cpu", 1),
    ("helm-values.yaml", "securityContext.capabilities.drop[0]", "securityContext.capabilities", 3),
    ("docker-compose.yml", "services.web.healthcheck", "services.web.healthcheck", 5),
    ("docker-compose.yml", "services.db.image", "services.db.image", 1),
    ("application.yml", "server.servlet.context-path", "server.servlet", 2),
    ("group_vars/all.yml", "users[1]", "users[1]", 3),
    ("group_vars/all.yml", "users[0].name", "users[0].name", 2),
    ("group_vars/all.yml", "motd", "motd", 3),
    (".github/workflows/ci.yml", "jobs.test.steps[1].with", "jobs.test.steps[1].with", 3),
    ("shapes.yml", "plain", "plain", 1),
    ("shapes.yml", "nested.deep.deeper.deepest", "nested.deep", 3),
    ("crlf.yml", "server.port", "server.port", 1),
]


@pytest.mark.parametrize(
    ("name", "key", "gone", "lines"), REMOVALS, ids=[f"{n}:{k}" for n, k, _, _ in REMOVALS]
)
def test_removing_a_definition_takes_its_lines_and_empty_parents(
    tmp_path: Path, name: str, key: str, gone: str, lines: int
) -> None:
    file = _copy(tmp_path, name)
    before = file.read_bytes()
    _written(plan_remove(file, name, parse_path(key)))
    after = file.read_bytes()
    removed, _added = _changed_lines(before, after)
    assert len(removed) == lines, (removed, after.decode())
    gone_path = parse_path(gone)
    expected = _plain(before)
    node = expected
    for step in gone_path[:-1]:
        node = node[step]
    del node[gone_path[-1]]
    assert same(_plain(after), expected)


def test_a_removal_keeps_the_neighbours_comments(tmp_path: Path) -> None:
    file = tmp_path / "a.yml"
    file.write_text("a:  # the a's\n  # about x\n  x: 1  # one\n  # about y\n  y: 2\n")
    _written(plan_remove(file, "a.yml", ("a", "x")))
    assert file.read_text() == "a:  # the a's\n  # about x\n  # about y\n  y: 2\n"


def test_unset_directive_replaces_the_value(tmp_path: Path) -> None:
    file = _copy(tmp_path, "helm-values.yaml")
    _written(plan_unset_directive(file, "x", ("resources", "limits")))
    assert "resources:\n  limits: !unset\n  requests:" in file.read_text()
    _written(plan_unset_directive(file, "x", ("service", "missing")))
    assert "  port: 80\n  missing: !unset\n" in file.read_text()


@pytest.mark.parametrize(
    ("name", "key", "words"),
    [
        ("shapes.yml", "base.timeout", ["&base", "line 2", "primary"]),
        ("shapes.yml", "primary.retries", ["'<<' merge of *base", "line 4", "primary"]),
        ("docker-compose.yml", "services.web.restart", ["*defaults", "line 4", "services.cache"]),
    ],
)
def test_shared_values_are_refused_with_where_they_are_defined(
    tmp_path: Path, name: str, key: str, words: list[str]
) -> None:
    file = _copy(tmp_path, name)
    before = file.read_bytes()
    plan = plan_set(file, name, parse_path(key), "changed")
    assert isinstance(plan, Problem)
    for word in words:
        assert word in plan.message
    assert file.read_bytes() == before


def test_an_alias_value_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "a.yml"
    file.write_text("a: &port 80\nb: *port\n")
    plan = plan_set(file, "a.yml", ("b",), 81)
    assert isinstance(plan, Problem)
    assert "alias *port" in plan.message and "line 1" in plan.message
    assert isinstance(plan_set(file, "a.yml", ("a",), 81), Problem)


@pytest.mark.parametrize(
    ("before", "key", "value", "after"),
    [
        ("", "a.b", 1, "a:\n  b: 1\n"),
        ("# only a comment", "a", "x", "# only a comment\na: x\n"),
        ("a: 1", "b", 2, "a: 1\nb: 2"),
        ("a: !unset  # gone\n", "a", 5, "a: 5  # gone\n"),
        ("a: !unset\n", "a.b", 5, "a:\n  b: 5\n"),
        ("a: ~  # none yet\nz: 1\n", "a.b", "c", "a:  # none yet\n  b: c\nz: 1\n"),
        ("a: {}\n", "a.b", 1, "a: {b: 1}\n"),
        ("a: {x: {y: 1}}\n", "a.x.z", 2, "a: {x: {y: 1, z: 2}}\n"),
        ("a: {x: 1}\n", "a.n.m", 2, "a: {x: 1, n: {m: 2}}\n"),
        (
            "a:\r\n  t: |\r\n    one\r\n\r\nb: 1\r\n",
            "a.t",
            "x\ny\n",
            "a:\r\n  t: |\r\n    x\r\n    y\r\n\r\nb: 1\r\n",
        ),
        (
            "a:\n    deep:\n        x: 1\n",
            "a.deep.y.z",
            2,
            "a:\n    deep:\n        x: 1\n        y:\n            z: 2\n",
        ),
        ("k: plain\n", "k", "yes", 'k: "yes"\n'),
        ("k: 'quoted'\n", "k", "2", "k: '2'\n"),
        ('k: "dq"\n', "k", "tab\there", 'k: "tab\\there"\n'),
        ("k: plain\n", "k", "two\nlines", 'k: "two\\nlines"\n'),
        ("k: &a 1\n", "k", 2, "k: &a 2\n"),
        ("k: !!str 1\n", "k", "2", 'k: !!str "2"\n'),
    ],
)
def test_small_shapes(tmp_path: Path, before: str, key: str, value: Any, after: str) -> None:
    file = tmp_path / "f.yml"
    file.write_bytes(before.encode())
    _written(plan_set(file, "f.yml", parse_path(key), value))
    assert file.read_bytes().decode() == after


@pytest.mark.parametrize(
    ("before", "key", "directive", "after"),
    [
        ("a:\n  t: |\n    x\n\nb: 1\n", "a", False, "\nb: 1\n"),
        ("a:\n  t: |\n    x\n\nb: 1\n", "a", True, "a: !unset\n\nb: 1\n"),
        ("a:\n  t: |+\n    x\n\nb: 1\n", "a.t", False, "b: 1\n"),
        ("a: {x: 1, y: 2}\n", "a.y", False, "a: {x: 1}\n"),
        ("a: [1, 2, 3]\n", "a[1]", False, "a: [1, 3]\n"),
        ("a:\n  - 1\n  - 2\nb: 0\n", "a[0]", False, "a:\n  - 2\nb: 0\n"),
        ("a:\n  - x: 1\n    y: 2\n", "a[0].x", False, "a:\n  - y: 2\n"),
        ("a:\n  b:\n    c: 1\nd: 2\n", "a.b.c", False, "d: 2\n"),
        ("a: 1\r\nb: 2\r\n", "a", False, "b: 2\r\n"),
        ("a: 1\nb: 2", "b", False, "a: 1\n"),
        ("a:\n  b: 1\n", "a.b", True, "a:\n  b: !unset\n"),
    ],
)
def test_small_removals(tmp_path: Path, before: str, key: str, directive: bool, after: str) -> None:
    file = tmp_path / "f.yml"
    file.write_bytes(before.encode())
    planner = plan_unset_directive if directive else plan_remove
    _written(planner(file, "f.yml", parse_path(key)))
    assert file.read_bytes().decode() == after


def _loaded(file: Path, name: str) -> Any:
    from core.caching import ParseCache
    from core.model import LayerFile

    parsed, identity = ParseCache(enabled=False).parse(file, name)
    return LayerFile(
        name="layer",
        path=file,
        display=name,
        is_base=True,
        order=0,
        priority=0,
        description="",
        conditions={},
        metadata_origin=None,
        root=parsed.root,
        identity=identity,
    )


@pytest.mark.parametrize(("name", "key", "value"), LEAVES + [(n, k, v) for n, k, v, _ in INSERTS])
def test_the_loaded_tree_gives_the_same_plan_from_fewer_lines(
    tmp_path: Path, name: str, key: str, value: Any
) -> None:
    from core.editing.hints import entry_window
    from core.editing.source import read

    file = _copy(tmp_path, name)
    path = parse_path(key)
    loaded = _loaded(file, name)
    source = read(file, name)
    assert not isinstance(source, str)
    window = entry_window(source, loaded, path[0])
    if path[0] in (loaded.root.value if loaded.root else {}):
        assert window is not None and window[1] - window[0] < len(source.text)
    plain = plan_set(file, name, path, value)
    hinted = plan_set(file, name, path, value, loaded=loaded)
    assert isinstance(plain, EditPlan) and isinstance(hinted, EditPlan)
    assert hinted.after == plain.after and hinted.line == plain.line


@pytest.mark.parametrize(("name", "key", "gone", "lines"), REMOVALS)
def test_the_loaded_tree_gives_the_same_removal(
    tmp_path: Path, name: str, key: str, gone: str, lines: int
) -> None:
    file = _copy(tmp_path, name)
    loaded = _loaded(file, name)
    plain = plan_remove(file, name, parse_path(key))
    hinted = plan_remove(file, name, parse_path(key), loaded=loaded)
    assert isinstance(plain, EditPlan) and isinstance(hinted, EditPlan)
    assert hinted.after == plain.after


def test_a_stale_tree_is_not_trusted(tmp_path: Path) -> None:
    file = tmp_path / "f.yml"
    file.write_text("a:\n  x: 1\nb:\n  y: 2\n")
    loaded = _loaded(file, "f.yml")
    file.write_text("# moved\na:\n  x: 1\nb:\n  y: 2\n")
    plan = plan_set(file, "f.yml", ("b", "y"), 3, loaded=loaded)
    assert isinstance(plan, EditPlan)
    assert plan.after == b"# moved\na:\n  x: 1\nb:\n  y: 3\n"


@pytest.mark.parametrize(
    ("document", "key", "value", "old", "new"),
    [
        (1, "server.port", 9000, "  port: 8080\n", "  port: 9000\n"),
        (2, "server.port", 9001, "  port: 8081\n", "  port: 9001\n"),
        (3, "server.port", 443, "  port: 80  #", "  port: 443  #"),
        (2, "logging.level.root", "INFO", "    root: DEBUG\n", "    root: INFO\n"),
        (3, "server.address", "0.0.0.0", "balancer\n", "balancer\n  address: 0.0.0.0\n"),
        (1, "server.ssl", True, "  port: 8080\n", "  port: 8080\n  ssl: true\n"),
    ],
)
@pytest.mark.parametrize("hinted", [False, True])
def test_an_edit_goes_to_its_own_document(
    tmp_path: Path, document: int, key: str, value: Any, old: str, new: str, hinted: bool
) -> None:
    name = "application-profiles.yml"
    file = _copy(tmp_path, name)
    before = file.read_text()
    loaded = None
    if hinted:
        from dataclasses import replace

        parsed = parse_bytes(file.read_bytes(), name)
        layer = _loaded(file, name)
        doc = parsed.documents[document - 1]
        loaded = replace(layer, root=doc.root, document=document, line=doc.line)
    _written(plan_set(file, name, parse_path(key), value, document=document, loaded=loaded))
    after = file.read_text()
    # The one occurrence in the wanted document changed; the others did not.
    parts_before, parts_after = before.split("---\n"), after.split("---\n")
    for index, (a, b) in enumerate(zip(parts_before, parts_after, strict=True), 1):
        if index == document:
            assert b == a.replace(old, new, 1)
        else:
            assert a == b


def test_removing_from_one_document_leaves_the_others(tmp_path: Path) -> None:
    name = "application-profiles.yml"
    file = _copy(tmp_path, name)
    before = file.read_text()
    _written(plan_remove(file, name, ("logging",), document=2))
    assert file.read_text() == before.replace("logging:\n  level:\n    root: DEBUG\n", "")
    _written(plan_unset_directive(file, name, ("server", "port"), document=3))
    assert file.read_text().endswith("  port: !unset  # behind the load balancer\n")

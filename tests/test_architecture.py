"""The pipeline's shape, enforced: the layering contract in pyproject.toml holds (import-linter,
as `lint-imports` runs it), no module imports itself back through others, and mypy finds no
error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_the_layering_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint_imports), "--config", str(ROOT / "pyproject.toml"),
                          "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 kept, 0 broken" in run.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other in a loop (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        # Iterative depth-first search: the import graph is deeper than it is wide.
        work = [(module, iter(sorted(graph.find_modules_directly_imported_by(module))))]
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(
                        child)))))
                elif child in on_stack:
                    low[current] = min(low[current], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[current])
            if low[current] == index[current]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == current:
                        break
                if len(group) > 1 or current in graph.find_modules_directly_imported_by(
                        current):
                    groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycles() -> None:
    assert _cycles(grimp.build_graph("honestreach")) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch) -> None:
    package = tmp_path / "loop_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("from . import c\n")
    (package / "c.py").write_text("from . import a\n")
    (package / "d.py").write_text("from . import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(grimp.build_graph("loop_pkg", cache_dir=None)) == [
        ["loop_pkg.a", "loop_pkg.b", "loop_pkg.c"]]


def test_the_package_type_checks(tmp_path) -> None:
    # mypy with its default settings (and the overrides in pyproject.toml): a public function
    # whose hints lie is a bug a caller meets later.
    run = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path),
                          "src/honestreach"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]

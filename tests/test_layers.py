"""The package's layer order (../shared/STYLE.md): data flows one way, readers -> text -> candidates
-> scoring -> grouping/alignment and the stage library -> engines -> pipelines -> API -> report ->
eval -> CLI, and a module imports only from its own layer or the ones before it, never a private
name of another module, and never in a cycle. Read from the source (every import, at the top of a
module or inside a function), so a lazy import that reaches up the flow is caught too."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dedup"

# Each module's layer, by the longest prefix of its dotted name listed here.
LAYERS: dict[str, int] = {
    # 0: plain data, errors, settings every layer may use
    "dedup.errors": 0,
    "dedup.version": 0,
    "dedup.progress": 0,
    "dedup.model": 0,
    "dedup.dates": 0,
    "dedup.validate": 0,
    "dedup.arrays": 0,
    "dedup.kernels": 0,  # compiled loops over arrays (numba), as plain as `dedup.arrays`
    "dedup.install": 0,
    "dedup.stopwords": 0,
    # 1: readers
    "dedup.io": 1,
    # 2: text
    "dedup.text": 2,
    # 3: candidates
    "dedup.wordhash": 3,
    "dedup.shingles": 3,
    "dedup.minhash": 3,
    # 4: scoring
    "dedup.background": 4,
    "dedup.score": 4,
    "dedup.bulk_space": 4,
    "dedup.semantic": 4,
    # 5: grouping and alignment, the stage library over them, and what composes them
    "dedup.align": 5,
    "dedup.group": 5,
    "dedup.stages": 5,
    "dedup.pairs": 5,
    "dedup.flag": 5,
    "dedup.config": 5,
    "dedup.actions": 5,
    # 6: engines, above the stages they run
    "dedup.engine": 6,
    # 7: pipelines, compositions of stages run by an engine; the archive, which composes them too
    "dedup.pipelines": 7,
    "dedup.index": 7,
    # 8: the public API
    "dedup": 8,
    # 9: renderers
    "dedup.report": 9,
    # 10: evaluation harness (calls the API)
    "dedup.eval": 10,
    # 11: the command line, and ``python -m dedup``
    "dedup.cli": 11,
    "dedup.__main__": 11,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    matches = [prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} has no layer in tests/test_layers.py: give it one"
    return LAYERS[max(matches, key=len)]


def imports_of(path: Path, *, typing_only: bool = True) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, imported dedup module, names imported from it) for every import in the file; without
    the imports made for type checkers only (under ``if TYPE_CHECKING:``) unless `typing_only`."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    if not typing_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("dedup"):
            found.append((node.lineno, node.module, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names if alias.name.split(".")[0] == "dedup"]
    return found


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_module(module: str, name: str, modules: dict[str, Path]) -> str:
    """`from module import name` imports a submodule when `module.name` is one."""
    return f"{module}.{name}" if f"{module}.{name}" in modules else module


def test_every_import_follows_the_layer_order() -> None:
    modules = all_modules()
    wrong = []
    for module, path in modules.items():
        for line, target, names in imports_of(path):
            for imported in {imported_module(target, name, modules) for name in names} or {target}:
                if layer_of(imported) > layer_of(module):
                    place = f"{path.relative_to(PACKAGE.parent)}:{line}"
                    layers = f"(layer {layer_of(module)}) imports {imported} (layer {layer_of(imported)})"
                    wrong.append(f"{place}: {module} {layers}")
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)


def test_no_private_name_is_imported_from_another_module() -> None:
    modules = all_modules()
    wrong = []
    for module, path in modules.items():
        for line, target, names in imports_of(path):
            for name in names:
                submodule = f"{target}.{name}" in modules
                private = name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
                if private and not submodule and target != module:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {name} from {target}")
    assert not wrong, "private names used across modules:\n" + "\n".join(wrong)


def test_no_import_cycle() -> None:
    modules = all_modules()
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for module, path in modules.items():
        # An import for type checkers only is never run, so it cannot make a cycle at import time.
        for _, target, names in imports_of(path, typing_only=False):
            for imported in {imported_module(target, name, modules) for name in names} or {target}:
                # A package's __init__ importing its own submodules is how a package is assembled.
                if imported != module and not imported.startswith(module + "."):
                    graph[module].add(imported)
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == 1:
                cycles.append(" -> ".join(trail[trail.index(imported) :] + [imported]))
            elif imported in graph and imported not in state:
                visit(imported, trail + [imported])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_layer_check_sees_a_wrong_import(tmp_path: Path) -> None:
    """The check is not vacuous: an import reaching up the flow is reported."""
    source = tmp_path / "text.py"
    source.write_text("from dedup.cli import main\nfrom dedup.score import _idf_of\n", encoding="utf-8")
    found = imports_of(source)
    assert found == [(1, "dedup.cli", ("main",)), (2, "dedup.score", ("_idf_of",))]
    assert layer_of("dedup.cli") > layer_of("dedup.text")

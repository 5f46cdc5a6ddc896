"""The package's shape holds: imports point one way, and nothing reaches into another module's privates."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PKG = REPO / "src" / "nlpbench"
# Which subpackages each may import (besides itself and the standard and third-party libraries).
LAYERS = {
    "core": set(),
    "data": {"core"},
    "models": {"core"},
    "train": {"core"},
    "lm": {"core", "data", "models", "train"},
    "classify": {"core", "data", "models", "train"},
    "report": {"core", "classify"},
}
PART_A, PART_B = ("lm", "report.parta"), ("classify", "report.partb")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PKG.parent).with_suffix("").parts).removesuffix(".__init__")


def nlpbench_imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import of nlpbench in `path`."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nlpbench"):
            out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("nlpbench")]
    return out


def imported_modules(module: str, names: list[str]) -> list[str]:
    """`from nlpbench.lm import llm` and `from nlpbench.lm.llm import X` both import nlpbench.lm.llm."""
    subs = [f"{module}.{n}" for n in names
            if (PKG.parent / f"{module}.{n}".replace(".", "/")).with_suffix(".py").is_file()]
    return subs or [module]


SOURCES = sorted(p for p in PKG.rglob("*.py"))
EVERYWHERE = sorted([*SOURCES, *(REPO / "scripts").glob("*.py"), *(REPO / "benchmarks").glob("*.py")])


def test_the_package_has_the_layers_it_claims():
    assert {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").is_file()} == set(LAYERS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_point_one_way(path):
    me = module_name(path).split(".")
    if len(me) < 3:
        return  # nlpbench/__init__.py
    layer = me[1]
    for module, names, line in nlpbench_imports(path):
        for target in imported_modules(module, names):
            other = target.split(".")[1]
            assert other == layer or other in LAYERS[layer], (
                f"{path.relative_to(REPO)}:{line} imports {target}: {layer}/ may import only {sorted(LAYERS[layer])}")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_part_a_and_part_b_never_import_each_other(path):
    me = module_name(path).removeprefix("nlpbench.")
    for mine, theirs in ((PART_A, PART_B), (PART_B, PART_A)):
        if me.startswith(mine):
            for module, names, line in nlpbench_imports(path):
                for target in imported_modules(module, names):
                    assert not target.removeprefix("nlpbench.").startswith(theirs), (
                        f"{path.relative_to(REPO)}:{line} imports {target} across the two parts")


@pytest.mark.parametrize("path", EVERYWHERE, ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_takes_a_private_name_from_another(path):
    for module, names, line in nlpbench_imports(path):
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{path.relative_to(REPO)}:{line} imports {private} from {module}: make them public"


def test_the_checks_can_fail(tmp_path):
    """The walkers see what they must: a private import and a cross-part import."""
    bad = tmp_path / "bad.py"
    bad.write_text("from nlpbench.report.parta import _grid\nfrom nlpbench.classify import scoring\n")
    found = nlpbench_imports(bad)
    assert ("nlpbench.report.parta", ["_grid"], 1) in found
    assert imported_modules("nlpbench.classify", ["scoring"]) == ["nlpbench.classify.scoring"]

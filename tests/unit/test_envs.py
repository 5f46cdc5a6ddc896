"""The conda environments pin what requirements.txt pins, so --sdm conda runs the tested versions."""

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]


def pins(lines):
    out = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[name.strip().lower()] = version.strip()
    return out


REQUIREMENTS = pins((REPO / "requirements.txt").read_text().splitlines())


@pytest.mark.parametrize("env", ["cpu", "gpu"])
def test_conda_env_pins_match_requirements(env):
    spec = yaml.safe_load((REPO / "envs" / f"{env}.yaml").read_text())
    pip_section = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    env_pins = pins(pip_section)
    assert env_pins, f"envs/{env}.yaml pins nothing"
    for name, version in env_pins.items():
        assert REQUIREMENTS.get(name) == version, f"envs/{env}.yaml pins {name}=={version}"
    assert all(p.count("==") == 1 for p in pip_section), "every pip entry is pinned"


def test_torch_is_pinned_everywhere_it_is_installed():
    assert REQUIREMENTS["torch"] == "2.13.0"
    gpu = (REPO / "envs" / "gpu.yaml").read_text()
    assert "torch==2.13.0" in gpu


# What each rule's script imports, against what its conda env installs. Every
# import counts, module level or inside a function, following the nlpbench
# modules it reaches: a job under `--sdm conda` has only its env's packages
# (plus what pip installs with them) and the checkout's src/ on PYTHONPATH.


def rule_envs() -> dict[str, tuple[str, str]]:
    """Rule name -> (its script in scripts/, its conda env file), read by Snakemake itself."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=REPO,
                                config_settings=ConfigSettings(configfiles=[REPO / "demo" / "config.yaml"]))
        rules = list(workflow._workflow.rules)  # the parsed rules; the API has no public accessor
    out = {}
    for rule in rules:
        if rule.shellcmd is None:
            continue
        script = re.search(r"/scripts/(\w+\.py)\b", rule.shellcmd)
        assert script and rule.conda_env, f"rule {rule.name}: a job runs one script of scripts/ in a conda env"
        out[rule.name] = (script[1], Path(rule.conda_env).name)
    return out


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def third_party_imports(script: Path) -> dict[str, Path]:
    """Top-level third-party module -> a file that imports it, over the script and the nlpbench code it reaches."""
    found, seen, todo = {}, set(), [script]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top == "nlpbench":
                module = REPO / "src" / Path(*name.split("."))
                todo += [p for p in (module.with_suffix(".py"), module / "__init__.py") if p.exists()]
            elif top not in sys.stdlib_module_names:
                found.setdefault(top, path)
    return found


def normalize(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def installs(packages) -> set[str]:
    """The distributions pip installs for `packages`: them and their requirements, from this venv's metadata."""
    out, todo = set(), [normalize(p) for p in packages]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for spec in map(Requirement, requires):
            if spec.marker is None or spec.marker.evaluate({"extra": ""}):
                todo.append(normalize(spec.name))
    return out


def env_packages(env: str) -> set[str]:
    spec = yaml.safe_load((REPO / "envs" / env).read_text())
    pip_section = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    return installs(line.split("==")[0] for line in pip_section)


def test_every_rule_env_installs_what_its_script_imports():
    distributions = metadata.packages_distributions()
    envs = rule_envs()
    assert {"clean_lyrics", "build_tiny_models", "train_textgen", "report_compare"} <= set(envs)
    missing = []
    for rule, (script, env) in sorted(envs.items()):
        provided = env_packages(env)
        for module, where in sorted(third_party_imports(REPO / "scripts" / script).items()):
            dists = {normalize(d) for d in distributions.get(module, [module])}
            if not dists & provided:
                missing.append(f"rule {rule} runs scripts/{script} in envs/{env}, which lacks "
                               f"{'/'.join(sorted(dists))} (imported by {where.relative_to(REPO)})")
    assert not missing, "\n".join(missing)


def test_the_import_check_sees_a_missing_package(tmp_path):
    """The check itself: torch, imported inside a function of a module the script reaches, is found."""
    found = third_party_imports(REPO / "scripts" / "build_tiny_models.py")
    assert {"torch", "transformers"} <= set(found)
    assert "torch" not in {normalize(d) for d in env_packages("cpu.yaml")}
    assert "threadpoolctl" in env_packages("cpu.yaml")  # installed with scikit-learn

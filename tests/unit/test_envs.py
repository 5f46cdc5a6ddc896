"""The conda environments pin what requirements.txt pins, so --sdm conda runs the tested versions."""

from pathlib import Path

import pytest
import yaml

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

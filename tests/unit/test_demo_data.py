"""demo/make_demo_data.py still writes the committed demo/data/ files, byte for byte."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "demo"
GENERATOR = DEMO / "make_demo_data.py"
OUTPUTS = ("canciones.txt", "reviews.csv")


def load_generator():
    spec = importlib.util.spec_from_file_location("make_demo_data", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def test_generator_rewrites_committed_demo_data(tmp_path):
    proc = subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for name in OUTPUTS:
        written, committed = (tmp_path / name).read_bytes(), (DEMO / "data" / name).read_bytes()
        same = written == committed
        assert same, (
            f"demo/data/{name} is not what demo/make_demo_data.py writes (first difference at "
            f"byte {first_difference(written, committed)}; {len(written)} vs {len(committed)} "
            "bytes). If the change to the generator or demo/phrase_banks.json is intended, run "
            "`python3 demo/make_demo_data.py` and commit demo/data/; otherwise revert the edit.")


def test_missing_phrase_bank_is_named(tmp_path):
    generator = load_generator()
    banks = json.loads(generator.BANKS_FILE.read_text(encoding="utf-8"))
    del banks["hooks"], banks["class"]
    broken = tmp_path / "phrase_banks.json"
    broken.write_text(json.dumps(banks, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit, match=r"missing phrase bank\(s\): hooks, class"):
        generator.load_banks(broken)

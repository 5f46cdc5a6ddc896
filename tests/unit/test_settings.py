"""Script flags come from the schema: defaults, ranges and names written once, and the rules pass them back."""

import argparse
import ast
import copy
import shlex
from pathlib import Path

import pytest
import yaml

from nlpbench.core import settings
from nlpbench.core.config import load_schema, validate_config

REPO = Path(__file__).resolve().parents[2]
SCHEMA = load_schema()
DECLARED = {name: value for name, value in vars(settings).items() if isinstance(value, settings.Settings)}


def config_of(path):
    study = yaml.safe_load((REPO / "config.yaml").read_text())
    merged = yaml.safe_load((REPO / path).read_text()) if path != "config.yaml" else {}
    for key, value in merged.items():
        study[key] = {**study.get(key, {}), **value} if isinstance(value, dict) else value
    return validate_config(study, copy.deepcopy(SCHEMA))


def parser(*declared):
    ap = argparse.ArgumentParser(exit_on_error=False)
    for s in declared:
        s.add_to(ap)
    return ap


def at(config, key):
    for part in key.split("."):
        config = config[part]
    return config


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_a_scripts_defaults_are_the_schemas(name):
    declared = DECLARED[name]
    args = parser(declared).parse_args([])
    study = config_of("config.yaml")
    assert declared.values(args) == {s.dest: at(study, s.key) for s in declared.settings()}


@pytest.mark.parametrize("name", sorted(DECLARED))
@pytest.mark.parametrize("config", ["demo/config.yaml", "docs/results/cpu-study.yaml"])
def test_the_rules_flags_parse_back_to_the_config(name, config):
    declared, cfg = DECLARED[name], config_of(config)
    args = parser(declared).parse_args(shlex.split(declared.flags(cfg)))
    assert declared.values(args) == {s.dest: at(cfg, s.key) for s in declared.settings()}


def test_names_types_and_prefixes():
    by_dest = {s.dest: s for s in settings.FINETUNE_LLM.settings()}
    assert by_dest["lora_r"].key == "llm.lora.r" and by_dest["lora_target_modules"].flag == "--lora-target-modules"
    assert by_dest["clip"].key == "llm.train.clip"
    grid = {s.dest for s in settings.DECODING_GRID.settings()}
    assert grid == {"grid_temperature", "grid_top_p", "grid_top_k", "grid_samples_per_setting"}
    sample = {s.key for s in settings.SAMPLE.settings()}
    assert "textgen.sample.decoding.top_p" in sample  # nested objects are walked to their leaves
    args = parser(settings.TRAIN_CLASSIFIER).parse_args(["--no-bidirectional", "--subword-n", "3", "4",
                                                        "--embeddings", "vec.txt"])
    assert args.bidirectional is False and args.subword_n == [3, 4] and args.embeddings == "vec.txt"


@pytest.mark.parametrize("declared,argv,words", [
    (settings.TRAIN_TEXTGEN, ["--lr", "-1"], "-1: -1.0 is less than or equal to the minimum of 0"),
    (settings.TRAIN_TEXTGEN, ["--epochs", "2.5"], "'2.5' is not an integer"),
    (settings.TRAIN_TEXTGEN, ["--epochs", "2.0"], "'2.0' is not an integer, like 2"),
    (settings.SPLIT_REVIEWS, ["--seed", "-1"], "-1 is less than the minimum of 0"),
    (settings.SPLIT_LYRICS, ["--seed", "4294967296"], "greater than the maximum of 4294967295"),
    (settings.TRAIN_TEXTGEN, ["--warmup-ratio", "0.9"], "0.9 is greater than the maximum of 0.5"),
    (settings.FINETUNE_LLM, ["--block-size", "1"], "1 is less than the minimum of 2"),
    (settings.FINETUNE_LLM, ["--quantization", "nf8"], "'nf8' is not one of \\['none', 'nf4', 'int8'\\]"),
    (settings.TRAIN_CLASSIFIER, ["--pooling", "sum"], "'sum' is not one of"),
    (settings.TRAIN_CLASSIFIER, ["--subword-n", "0", "3"], "0 is less than the minimum of 1"),
    (settings.SPLIT_LYRICS, ["--val", "1"], "1.0 is greater than or equal to the maximum of 1"),
    (settings.BASELINES, ["--c-grid", "1", "0"], "0.0 is less than or equal to the minimum of 0"),
])
def test_a_flag_out_of_the_schemas_range_is_refused_with_the_range(declared, argv, words):
    with pytest.raises(argparse.ArgumentError, match=words):
        parser(declared).parse_args(argv)


def test_a_new_schema_key_is_a_new_flag_and_a_new_run_value():
    """Adding a setting is one edit, in the schema: the script's flag and its fingerprint follow."""
    schema = copy.deepcopy(SCHEMA)
    schema["properties"]["textgen"]["properties"]["train"]["properties"]["label_smoothing"] = {
        "type": "number", "minimum": 0, "maximum": 1, "default": 0.1, "description": "Label smoothing"}
    names = {s.dest for s in settings.TRAIN_TEXTGEN.settings(schema)}
    assert "label_smoothing" in names
    ap = argparse.ArgumentParser()
    settings.TRAIN_TEXTGEN.add_to(ap, schema)
    assert ap.parse_args([]).label_smoothing == 0.1 and ap.parse_args(["--label-smoothing", "0"]).label_smoothing == 0


def test_an_override_must_name_a_setting():
    cfg = config_of("demo/config.yaml")
    assert "--seq-len 16" in settings.TRAIN_TEXTGEN.flags(cfg, seq_len=16)
    with pytest.raises(KeyError, match="block_size"):
        settings.TRAIN_TEXTGEN.flags(cfg, block_size=16)


def test_cli_args_quote_every_value():
    line = settings.cli_args({"a_b": "x y", "flag": False, "on": True, "many": ["$(touch x)", 2], "none": None})
    assert shlex.split(line) == ["--a-b", "x y", "--no-flag", "--on", "--many", "$(touch x)", "2"]


def test_no_script_writes_a_default_the_schema_has():
    """A script's own flag with a config key's name and a default would be that default written again."""
    # --seed is also a training run's and the tiny models' own flag, a value from the path, not the config
    leaves = {s.flag for d in DECLARED.values() for s in d.settings()} - {"--seed"}
    for script in (REPO / "scripts").glob("*.py"):
        for call in ast.walk(ast.parse(script.read_text())):
            if (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "add_argument" and call.args
                    and isinstance(call.args[0], ast.Constant) and call.args[0].value in leaves):
                assert not any(k.arg == "default" for k in call.keywords), (script.name, call.args[0].value)


def test_the_config_reference_is_what_the_schema_says():
    """docs/config.md is made from the schema (make config-doc), so it cannot drift from the defaults."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(REPO / "tools" / "config_reference.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    sys.path.insert(0, str(REPO / "tools"))
    import config_reference

    schema = copy.deepcopy(SCHEMA)
    schema["properties"]["textgen"]["properties"]["train"]["properties"]["lr"]["default"] = 0.01
    assert "| `textgen.train.lr` | 0.01 | number &gt; 0, ≤ 1 |" in config_reference.render(schema)
    assert "| `data.lyrics` | (none: set it) |" in config_reference.render(SCHEMA)
    catalog = config_reference.render_catalog(SCHEMA)  # config/README.md, where the workflow catalog looks
    for key in ("data.lyrics", "data.reviews", "llm.base_model", "encoder.base_model"):
        assert f"| `{key}` | string |" in catalog, key
    assert "`seeds`" in catalog and "`classify`" in catalog and "(../docs/config.md)" in catalog


def test_the_schemas_architecture_names_are_the_ones_the_models_build():
    """An architecture name is written once, in the schema; the models must build every name it allows."""
    from nlpbench.core.config import allowed
    from nlpbench.models.classifiers import CELLS as CLASSIFIER_CELLS
    from nlpbench.models.rnnlm import CELLS

    assert allowed("recurrent_cell") == list(CELLS)
    assert allowed("classifier_arch") == ["cnn", *CLASSIFIER_CELLS]


@pytest.mark.parametrize("argv,words", [(["--seed", "-1"], "-1 is less than the minimum of 0"),
                                        (["--seed", "42.0"], "'42.0' is not an integer, like 42")])
def test_a_runs_own_seed_flag_has_the_schemas_seed_range(argv, words):
    """--seed of a training run is no config key (the rule passes seed{N}), yet the same seeds are valid."""
    from nlpbench.train.flags import add_run_args

    ap = argparse.ArgumentParser(exit_on_error=False)
    add_run_args(ap)
    with pytest.raises(argparse.ArgumentError, match=words):
        ap.parse_args(argv)
    assert ap.parse_args(["--seed", "0"]).seed == 0


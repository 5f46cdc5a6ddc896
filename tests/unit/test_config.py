import copy
from pathlib import Path

import pytest
import yaml

from nlpbench.core.config import describe, dotted, load_schema, validate_config
from nlpbench.core.errors import InputError

REPO = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(REPO / "schemas" / "config.schema.yaml")


def load(name):
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def study(patch=None):
    """config.yaml (the study's inputs, nothing else) with `patch` merged over it."""
    config = load("config.yaml")
    for section, value in (patch or {}).items():
        config[section] = {**config[section], **value} if isinstance(value, dict) and section in config else value
    return config


@pytest.mark.parametrize("name", ["config.yaml", "demo/config.yaml"])
def test_shipped_configs_are_valid(name):
    validate_config(load(name), copy.deepcopy(SCHEMA))


def test_the_study_config_gets_every_other_default_from_the_schema():
    config = validate_config(study(), SCHEMA)
    assert config["data"]["lyrics"] == "data/canciones.txt"
    assert config["data"]["text_column"] == "Review" and config["data"]["label_column"] == "Polarity"
    assert config["textgen"]["archs"] == ["rnn", "lstm", "gru"]
    assert config["textgen"]["train"]["epochs"] == 20
    assert config["textgen"]["train"]["warmup_ratio"] == 0.02 and config["llm"]["train"]["clip"] == 1.0
    assert config["baselines"] == {"c_grid": [0.0625, 0.25, 1.0, 4.0, 16.0], "class_weight": "balanced"}
    assert config["lyrics"]["split"] == {"val": 0.1, "test": 0.1, "seed": 42}
    assert config["llm"]["base_model"] == "models/llama-3-8b"
    assert config["encoder"]["base_model"] == "models/mdeberta-v3-base"


def test_config_yaml_writes_no_default_again():
    """config.yaml names the inputs, which have no default; every default is written once, in the schema."""
    def leaves(node, path=()):
        for key, value in node.items():
            yield from leaves(value, (*path, key)) if isinstance(value, dict) else [(*path, key)]

    assert sorted(".".join(p) for p in leaves(load("config.yaml"))) == [
        "data.lyrics", "data.reviews", "encoder.base_model", "llm.base_model"]
    for section, key in [("data", "lyrics"), ("data", "reviews"), ("llm", "base_model"), ("encoder", "base_model")]:
        assert "default" not in SCHEMA["properties"][section]["properties"][key]


@pytest.mark.parametrize("key,drop", [("data.lyrics", ("data", "lyrics")), ("data.reviews", ("data", "reviews")),
                                      ("llm.base_model", ("llm", "base_model")),
                                      ("encoder.base_model", ("encoder", "base_model"))])
def test_an_unset_input_is_named_with_the_fix(key, drop):
    config = study()
    del config[drop[0]][drop[1]]
    with pytest.raises(InputError, match=rf"(?s)config key '{key}'.*is not set.*set it in config.yaml"):
        validate_config(config, SCHEMA)


def test_a_disabled_arm_needs_no_base_model():
    config = {"data": study()["data"], "llm": {"enabled": False}, "encoder": {"enabled": False}}
    assert "base_model" not in validate_config(config, SCHEMA)["llm"]


def test_defaults_do_not_leak_between_configs():
    a = validate_config(study(), SCHEMA)
    a["textgen"]["archs"].append("gru2")
    assert validate_config(study(), SCHEMA)["textgen"]["archs"] == ["rnn", "lstm", "gru"]


def test_every_key_is_documented():
    def walk(node, path):
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]] | node if "$ref" in node else node
        for key, sub in node.get("properties", {}).items():
            assert describe(SCHEMA, [*path, key]), f"no description for {dotted([*path, key])}"
            walk(sub, [*path, key])
    walk(SCHEMA, [])


@pytest.mark.parametrize("patch,key,words", [
    ({"textgen": {"archs": ["lstm", "transformer"]}}, "textgen.archs[1]", "'transformer' is not one of"),
    ({"lyrics": {"split": {"val": 1.5}}}, "lyrics.split.val", "1.5"),
    ({"reviews": {"split": {"test": 0}}}, "reviews.split.test", "0"),
    ({"textgen": {"train": {"epochs": "ten"}}}, "textgen.train.epochs", "'ten' is not of type 'integer'"),
    ({"textgen": {"train": {"epoch": 3}}}, "textgen.train", "'epoch' was unexpected"),
    ({"llm": {"quantization": "nf8"}}, "llm.quantization", "'nf8' is not one of"),
    ({"classify": {"train": {"lr": -0.1}}}, "classify.train.lr", "-0.1"),
    ({"classify": {"tokenizer": {"subword_n": [3]}}}, "classify.tokenizer.subword_n", "is too short"),
    ({"device": "tpu"}, "device", "'tpu'"),
    ({"textgen": {"sample": {"num_songs": 2}}}, "textgen.sample.num_songs", "less than the minimum of 3"),
    ({"llm": {"train": {"block_size": 1}}}, "llm.train.block_size", "less than the minimum of 2"),
    ({"llm": {"ablations": {"block_sizes": [64, 1]}}}, "llm.ablations.block_sizes[1]", "less than the minimum of 2"),
    ({"seeds": []}, "seeds", "should be non-empty"),
    ({"seeds": [1, 1]}, "seeds", "non-unique"),
])
def test_bad_values_fail_naming_the_key(patch, key, words):
    with pytest.raises(InputError) as err:
        validate_config(study(patch), SCHEMA)
    msg = str(err.value)
    assert f"config key '{key}'" in msg and words in msg
    assert "schemas/config.schema.yaml" in msg


def test_error_hint_carries_the_keys_description():
    with pytest.raises(InputError, match="Fraction held out for validation"):
        validate_config(study({"lyrics": {"split": {"val": 2}}}), SCHEMA)


def test_fractions_that_leave_no_training_data_fail():
    with pytest.raises(InputError, match="lyrics.split.val' \\+ 'lyrics.split.test'"):
        validate_config(study({"lyrics": {"split": {"val": 0.5, "test": 0.45}}}), SCHEMA)


def test_subword_lengths_must_be_ordered():
    with pytest.raises(InputError, match="classify.tokenizer.subword_n'.*\\[5, 2\\]"):
        validate_config(study({"classify": {"tokenizer": {"subword_n": [5, 2]}}}), SCHEMA)
    assert validate_config(study({"classify": {"tokenizer": {"subword_n": [3, 3]}}}), SCHEMA)


def test_adaptive_softmax_cutoffs_must_increase_and_be_given():
    with pytest.raises(InputError, match=r"(?s)adaptive_cutoffs'.*\[8000, 2000\] does not increase.*\[2000, 8000\]"):
        validate_config(study({"textgen": {"model": {"adaptive_cutoffs": [8000, 2000]}}}), SCHEMA)
    with pytest.raises(InputError, match="textgen.model.adaptive_cutoffs"):  # off is adaptive_softmax: false
        validate_config(study({"textgen": {"model": {"adaptive_cutoffs": []}}}), SCHEMA)
    config = validate_config(study({"textgen": {"model": {"adaptive_cutoffs": [100, 2000, 9000]}}}), SCHEMA)
    assert config["textgen"]["model"]["adaptive_cutoffs"] == [100, 2000, 9000]


def test_seeds_default_to_three_and_ablations_to_the_first():
    config = validate_config(study(), SCHEMA)
    assert config["seeds"] == [42, 43, 44] and config["ablation_seeds"] == 1


def test_the_old_single_seed_key_says_what_replaced_it():
    with pytest.raises(InputError, match=r"(?s)config key 'seed'.*replaced by 'seeds'.*seeds: \[7\]"):
        validate_config(study({"seed": 7}), SCHEMA)


def test_more_ablation_seeds_than_seeds_fails_naming_both():
    with pytest.raises(InputError, match=r"'ablation_seeds'.*asks for 3 seeds but 'seeds' lists 2"):
        validate_config(study({"seeds": [1, 2], "ablation_seeds": 3}), SCHEMA)


def test_dotted_paths():
    assert dotted(["a", "b", 0, "c"]) == "a.b[0].c"
    assert dotted([]) == "<top level>"


@pytest.mark.parametrize("patch,key,words", [
    ({"textgen": {"train": {"epochs": 2.0}}}, "textgen.train.epochs", "2.0 is not an integer, like 2"),
    ({"classify": {"train": {"batch_size": 32.5}}}, "classify.train.batch_size",
     "32.5 is not an integer, like 32 or 33"),
    ({"seeds": [42, 43.0]}, "seeds[1]", "43.0 is not an integer, like 43"),
    ({"reviews": {"split": {"seed": 7.0}}}, "reviews.split.seed", "7.0 is not an integer, like 7"),
])
def test_a_number_with_a_decimal_point_is_no_integer(patch, key, words):
    """JSON Schema counts 2.0 as an integer; the job's int('2.0') would not, after the workflow had started."""
    with pytest.raises(InputError) as err:
        validate_config(study(patch), SCHEMA)
    assert str(err.value).startswith(f"config key '{key}': {words}")


@pytest.mark.parametrize("patch,key,words", [
    ({"reviews": {"split": {"seed": -1}}}, "reviews.split.seed", "-1 is less than the minimum of 0"),
    ({"lyrics": {"split": {"seed": -5}}}, "lyrics.split.seed", "-5 is less than the minimum of 0"),
    ({"seeds": [42, -1]}, "seeds[1]", "-1 is less than the minimum of 0"),
    ({"seeds": [2 ** 32]}, "seeds[0]", "4294967296 is greater than the maximum of 4294967295"),
])
def test_every_seed_is_one_numpy_and_scikit_learn_accept(patch, key, words):
    with pytest.raises(InputError) as err:
        validate_config(study(patch), SCHEMA)
    assert str(err.value).startswith(f"config key '{key}': {words}")
    assert validate_config(study({"reviews": {"split": {"seed": 0}}, "seeds": [0, 2 ** 32 - 1]}), SCHEMA)

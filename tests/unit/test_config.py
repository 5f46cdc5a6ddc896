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


@pytest.mark.parametrize("name", ["config.yaml", "demo/config.yaml"])
def test_shipped_configs_are_valid(name):
    validate_config(load(name), copy.deepcopy(SCHEMA))


def test_empty_config_gets_every_default_documented_in_the_schema():
    config = validate_config({}, SCHEMA)
    assert config["data"]["lyrics"] == "data/canciones.txt"
    assert config["data"]["text_column"] == "Review" and config["data"]["label_column"] == "Polarity"
    assert config["textgen"]["archs"] == ["rnn", "lstm", "gru"]
    assert config["textgen"]["train"]["epochs"] == 20
    assert config["lyrics"]["split"] == {"val": 0.1, "test": 0.1, "seed": 42}
    assert config["llm"]["base_model"] == "models/llama-3-8b"
    assert config["encoder"]["base_model"] == "models/mdeberta-v3-base"


def test_full_study_config_spells_out_the_defaults():
    """config.yaml is what users read: it should equal the schema defaults."""
    assert validate_config(load("config.yaml"), SCHEMA) == validate_config({}, SCHEMA)


def test_defaults_do_not_leak_between_configs():
    a = validate_config({}, SCHEMA)
    a["textgen"]["archs"].append("gru2")
    assert validate_config({}, SCHEMA)["textgen"]["archs"] == ["rnn", "lstm", "gru"]


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
        validate_config(patch, SCHEMA)
    msg = str(err.value)
    assert f"config key '{key}'" in msg and words in msg
    assert "schemas/config.schema.yaml" in msg


def test_error_hint_carries_the_keys_description():
    with pytest.raises(InputError, match="Fraction held out for validation"):
        validate_config({"lyrics": {"split": {"val": 2}}}, SCHEMA)


def test_fractions_that_leave_no_training_data_fail():
    with pytest.raises(InputError, match="lyrics.split.val' \\+ 'lyrics.split.test'"):
        validate_config({"lyrics": {"split": {"val": 0.5, "test": 0.45}}}, SCHEMA)


def test_subword_lengths_must_be_ordered():
    with pytest.raises(InputError, match="classify.tokenizer.subword_n'.*\\[5, 2\\]"):
        validate_config({"classify": {"tokenizer": {"subword_n": [5, 2]}}}, SCHEMA)
    assert validate_config({"classify": {"tokenizer": {"subword_n": [3, 3]}}}, SCHEMA)


def test_seeds_default_to_three_and_ablations_to_the_first():
    config = validate_config({}, SCHEMA)
    assert config["seeds"] == [42, 43, 44] and config["ablation_seeds"] == 1


def test_the_old_single_seed_key_says_what_replaced_it():
    with pytest.raises(InputError, match=r"(?s)config key 'seed'.*replaced by 'seeds'.*seeds: \[7\]"):
        validate_config({"seed": 7}, SCHEMA)


def test_more_ablation_seeds_than_seeds_fails_naming_both():
    with pytest.raises(InputError, match=r"'ablation_seeds'.*asks for 3 seeds but 'seeds' lists 2"):
        validate_config({"seeds": [1, 2], "ablation_seeds": 3}, SCHEMA)


def test_dotted_paths():
    assert dotted(["a", "b", 0, "c"]) == "a.b[0].c"
    assert dotted([]) == "<top level>"

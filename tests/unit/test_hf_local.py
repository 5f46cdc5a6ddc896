"""Model directories are checked for what loading needs: config, weights, and the model's own tokenizer."""

import io
import json
import shutil

import pytest
import torch

from nlpbench.classify import encoder
from nlpbench.core import hf_local
from nlpbench.core.errors import InputError
from nlpbench.lm import llm
from nlpbench.models import tiny_hf

TEXTS = ["muy buena comida", "pésimo servicio, no vuelvo", "el hotel estaba limpio y bonito",
         "la luna llena sobre el mar", "el sol de la mañana"] * 4
BUILD = {"llm.base_model": lambda d: tiny_hf.build_llama(TEXTS, d, vocab_size=300, hidden=16, layers=1, heads=2,
                                                          kv_heads=1, intermediate=32),
         "encoder.base_model": lambda d: tiny_hf.build_deberta(TEXTS, d, num_labels=5, vocab_size=60, hidden=16,
                                                               layers=1, heads=2, intermediate=32)}
LOAD = {"llm.base_model": lambda d: llm.load_base(d, "none", torch.device("cpu")),
        "encoder.base_model": lambda d: encoder.load_encoder(d, ["1", "2", "3", "4", "5"])}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tiny Llama and a tiny DeBERTa as save_pretrained writes them, by config key."""
    root = tmp_path_factory.mktemp("hf_local")
    return {key: build(root / key.split(".")[0]) for key, build in BUILD.items()}


def copy_without(src, dst, *names):
    shutil.copytree(src, dst)
    for name in names:
        (dst / name).unlink()
    return dst


@pytest.mark.parametrize("key", BUILD)
def test_a_model_without_its_tokenizer_is_refused_before_loading(built, tmp_path, key):
    bare = copy_without(built[key], tmp_path / "model dir", "tokenizer.json", "tokenizer_config.json")
    with pytest.raises(InputError) as err:
        LOAD[key](bare)  # before: a 7-token default tokenizer (encoder), a sentencepiece/tiktoken traceback (LLM)
    msg = str(err.value)
    assert msg.startswith(f"config key '{key}': the model directory {bare} lacks tokenizer files (tokenizer.json")
    assert "hf download" in msg and "--local-dir 'model dir'" in msg
    (bare / "tokenizer_config.json").write_text("{}")  # a config alone names no vocabulary
    with pytest.raises(InputError, match="lacks tokenizer files"):
        hf_local.require_model_dir(bare, key)


def test_missing_weights_shards_and_lfs_pointers_are_named(built, tmp_path):
    d = copy_without(built["encoder.base_model"], tmp_path / "deberta", "model.safetensors")
    with pytest.raises(InputError, match=r"lacks weights \(model.safetensors or pytorch_model.bin, or a sharded"):
        hf_local.require_model_dir(d, "encoder.base_model")
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (d / "model.safetensors.index.json").write_text(json.dumps(index))
    shutil.copy(built["encoder.base_model"] / "model.safetensors", d / "model-00001-of-00002.safetensors")
    with pytest.raises(InputError) as err:
        hf_local.require_model_dir(d, "encoder.base_model")
    assert "lacks shard model-00002-of-00002.safetensors\n" in str(err.value)
    (d / "model-00002-of-00002.safetensors").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\n")
    with pytest.raises(InputError, match="lacks model-00002-of-00002.safetensors .a Git LFS pointer"):
        hf_local.require_model_dir(d, "encoder.base_model")


@pytest.mark.parametrize("key", BUILD)
def test_a_tokenizer_far_smaller_than_the_model_vocabulary_is_refused(built, tmp_path, key):
    from transformers import DebertaV2TokenizerFast
    d = copy_without(built[key], tmp_path / "model", "tokenizer.json", "tokenizer_config.json")
    config = json.loads((d / "config.json").read_text())
    (d / "config.json").write_text(json.dumps({**config, "vocab_size": 250_000}))  # as mDeBERTa's, against 7
    DebertaV2TokenizerFast().save_pretrained(d)  # what transformers builds from a tokenizer_config alone
    with pytest.raises(InputError) as err:
        LOAD[key](d)
    assert str(err.value).startswith(f"config key '{key}': the tokenizer in {d} has 7 tokens but the model's "
                                     "config.json says vocab_size 250000: it is not the model's own tokenizer")


def test_the_mdeberta_layout_spm_model_with_tokenizer_config_loads_and_a_corrupt_one_is_named(tmp_path):
    """mDeBERTa-v3-base ships spm.model and tokenizer_config.json, no tokenizer.json, and pytorch_model.bin."""
    import sentencepiece as spm
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(TEXTS), model_writer=model, vocab_size=40, pad_id=0,
                                   unk_id=1, bos_id=2, eos_id=3, pad_piece="[PAD]", unk_piece="[UNK]",
                                   bos_piece="[CLS]", eos_piece="[SEP]", user_defined_symbols=["[MASK]"],
                                   minloglevel=2)
    (tmp_path / "spm.model").write_bytes(model.getvalue())
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "DebertaV2Tokenizer"}))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "deberta-v2", "vocab_size": 40}))
    torch.save({}, tmp_path / "pytorch_model.bin")
    tokenizer = hf_local.load_tokenizer(tmp_path, "encoder.base_model")
    assert len(tokenizer) == 40 and tokenizer("muy buena")["input_ids"][0] == tokenizer.cls_token_id
    (tmp_path / "spm.model").write_bytes(b"not a sentencepiece model")
    with pytest.raises(InputError, match=f"config key 'encoder.base_model': the tokenizer in {tmp_path} does not load"):
        hf_local.load_tokenizer(tmp_path, "encoder.base_model")


def test_the_download_hint_quotes_the_directory(tmp_path):
    with pytest.raises(InputError) as err:
        hf_local.require_model_dir(tmp_path / "x$(touch PWNED)", "llm.base_model")
    msg = str(err.value)
    assert msg.startswith(f"config key 'llm.base_model': no model at {tmp_path}/x$(touch PWNED) (no such directory)")
    assert "`hf download meta-llama/Meta-Llama-3-8B --local-dir 'x$(touch PWNED)'`" in msg

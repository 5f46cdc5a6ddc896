"""The tiny models load back through the Auto classes, offline, as real weights do."""

import pytest
import torch

from nlpbench.core.errors import InputError
from nlpbench.core.hf_local import require_model_dir
from nlpbench.models import tiny_hf

SONGS = ["<|startsong|>\nla luna llena sobre el mar\n<|endsong|>",
         "<|startsong|>\nel sol de la mañana\n<|endsong|>"] * 5
REVIEWS = ["muy buena comida", "pésimo servicio, no vuelvo", "el hotel estaba limpio y bonito"] * 5


def test_tiny_llama_is_a_llama_with_llama3_tokenizer_conventions(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    d = tiny_hf.build_llama(SONGS, tmp_path / "llama", vocab_size=300)
    tok, model = AutoTokenizer.from_pretrained(d), AutoModelForCausalLM.from_pretrained(d)
    assert model.config.model_type == "llama" and model.config.num_key_value_heads == 2
    ids = tok("la luna")["input_ids"]
    assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1  # BOS added once, as Llama-3 does
    assert tok.pad_token is None  # as Llama-3: callers must choose a pad
    assert tok.decode(tok("¡la luña!", add_special_tokens=False)["input_ids"]) == "¡la luña!"  # byte-level: lossless
    assert model(torch.tensor([ids])).logits.shape[-1] == model.config.vocab_size


def test_tiny_deberta_classifies_into_the_label_map_classes(tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    d = tiny_hf.build_deberta(REVIEWS, tmp_path / "deberta", num_labels=5, vocab_size=60)
    tok, model = AutoTokenizer.from_pretrained(d), AutoModelForSequenceClassification.from_pretrained(d)
    assert model.config.model_type == "deberta-v2" and model.config.num_labels == 5
    batch = tok(["muy buena", "pésimo servicio, no vuelvo"], padding=True, return_tensors="pt")
    assert batch["input_ids"][0, 0] == tok.cls_token_id and tok.pad_token == "[PAD]"
    assert model(**batch).logits.shape == (2, 5)


def test_missing_model_directory_names_the_config_key_and_the_fix(tmp_path):
    with pytest.raises(InputError) as err:
        require_model_dir(tmp_path / "llama-3-8b", "llm.base_model")
    msg = str(err.value)
    assert "config key 'llm.base_model'" in msg and "no such directory" in msg
    assert "meta-llama/Meta-Llama-3-8B" in msg and "download" in msg
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="lacks config.json; weights"):
        require_model_dir(tmp_path / "empty", "encoder.base_model")

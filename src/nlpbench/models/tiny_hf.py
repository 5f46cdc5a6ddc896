"""Tiny models of the real architectures, built offline, for the demo and the tests.

The full study fine-tunes Llama-3-8B and mDeBERTa-v3-base from local weights.
No hub is reachable here, so the demo builds the same architectures at toy
sizes with random weights and tokenizers trained on the train split: a
byte-level BPE Llama (as Llama-3's tokenizer is) and a Unigram DeBERTa-v2 (as
mDeBERTa's sentencepiece model is). Both save with `save_pretrained` and load
back through the Auto classes, exactly as real weights do.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from nlpbench.core import hf_local  # noqa: F401  (offline, no progress bars)

BOS, EOS = "<|begin_of_text|>", "<|end_of_text|>"  # Llama-3's own names
DEBERTA_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_llama(texts: list[str], outdir: str | Path, vocab_size: int = 512, hidden: int = 64, layers: int = 2,
                heads: int = 4, kv_heads: int = 2, intermediate: int = 128, seed: int = 0) -> Path:
    """A random LlamaForCausalLM and its byte-level BPE tokenizer (BOS added, no pad token, as Llama-3)."""
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[BOS, EOS],
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.TemplateProcessing(single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B",
                                                       special_tokens=[(BOS, tok.token_to_id(BOS))])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS)
    cfg = LlamaConfig(vocab_size=len(fast), hidden_size=hidden, intermediate_size=intermediate,
                      num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
                      max_position_embeddings=4096, rope_theta=500000.0, bos_token_id=fast.bos_token_id,
                      eos_token_id=fast.eos_token_id, tie_word_embeddings=False)
    torch.manual_seed(seed)
    return _save(LlamaForCausalLM(cfg), fast, outdir)


def build_deberta(texts: list[str], outdir: str | Path, num_labels: int, vocab_size: int = 1000, hidden: int = 64,
                  layers: int = 2, heads: int = 4, intermediate: int = 128, seed: int = 0) -> Path:
    """A random DebertaV2ForSequenceClassification (mDeBERTa-v3's layout) and a Unigram tokenizer."""
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2TokenizerFast
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.train_from_iterator(texts, trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=DEBERTA_SPECIALS,
                                                           unk_token="[UNK]"))
    pieces = [tuple(p) for p in json.loads(tok.to_str())["model"]["vocab"]]
    fast = DebertaV2TokenizerFast(vocab=pieces, unk_id=DEBERTA_SPECIALS.index("[UNK]"))
    cfg = DebertaV2Config(vocab_size=len(fast), hidden_size=hidden, num_hidden_layers=layers,
                          num_attention_heads=heads, intermediate_size=intermediate, relative_attention=True,
                          pos_att_type=["p2c", "c2p"], position_buckets=64, norm_rel_ebd="layer_norm",
                          share_att_key=True, position_biased_input=False, type_vocab_size=0,
                          max_position_embeddings=512, num_labels=num_labels, pad_token_id=fast.pad_token_id,
                          # No dropout, so a 2-process DDP run equals a 1-process run (masks are per rank).
                          hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pooler_dropout=0.0)
    torch.manual_seed(seed)
    return _save(DebertaV2ForSequenceClassification(cfg), fast, outdir)


def _save(model, tokenizer, outdir: str | Path) -> Path:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(outdir)
    model.save_pretrained(outdir)
    return outdir

"""The LoRA arm on a tiny random Llama built offline: loading, data, bits per char, training, sampling."""

import math
import os
from types import SimpleNamespace

import pytest
import torch

from nlpbench.core.errors import InputError
from nlpbench.data.lyrics import END, START
from nlpbench.lm import llm, perplexity, sampling
from nlpbench.lm.batching import eval_chars
from nlpbench.models.tiny_hf import build_llama
from nlpbench.train import distributed, trainer

SONGS = [f"la luna {i % 3} canta\nel mar responde {i}\n\ny la noche baila" for i in range(16)]
VAL = ["la luna 1 canta\nel mar responde", "canción nueva, con ñ y acentos: ¿qué será?"]
CPU = distributed.Context()


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory):
    texts = [f"{START}\n{s}\n{END}" for s in SONGS + VAL]
    return build_llama(texts, tmp_path_factory.mktemp("llama"), vocab_size=300)


@pytest.fixture(scope="module")
def codec(base_dir):
    return llm.SongCodec(llm.load_base(base_dir, "none", torch.device("cpu"))[1])


def lora_model(base_dir, quantization="none", dropout=0.0):
    model, _ = llm.load_base(base_dir, quantization, torch.device("cpu"))
    torch.manual_seed(0)
    return llm.add_lora(model, r=4, alpha=8, dropout=dropout, target_modules=["q_proj", "v_proj"],
                        quantized=quantization != "none", gradient_checkpointing=True)


def fit(model, codec, tmp_path, epochs=3, lr=0.02, name="run", after_epoch=None):
    task = llm.LLMTask(codec, SONGS, VAL, batch_size=4, block_size=32, seed=1, ctx=CPU, name=name,
                       sample_tokens=12)
    if after_epoch is not None:
        task.after_epoch = after_epoch
    cfg = trainer.FitConfig(epochs=epochs, lr=lr, seed=3, trainable_only=True, progress_every_s=1e9, name=name,
                            fingerprint="f", patience=epochs)
    return task, trainer.fit(model, task, cfg, CPU, tmp_path / name, tmp_path / f"{name}_ckpt")


# --- loading -----------------------------------------------------------------------

def test_base_model_and_tokenizer_load_offline_from_a_local_directory(base_dir):
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # set by nlpbench.core.hf_local before any hub access
    model, tokenizer = llm.load_base(base_dir, "none", torch.device("cpu"))
    assert model.config.model_type == "llama" and model.dtype == torch.float32
    assert tokenizer.bos_token_id is not None and tokenizer.pad_token_id is None  # as Llama-3
    assert len(tokenizer) == model.config.vocab_size


def test_a_missing_base_model_names_the_config_key_and_the_fix(tmp_path):
    with pytest.raises(InputError, match="llm.base_model") as err:
        llm.load_base(tmp_path / "nothing", "none", torch.device("cpu"))
    assert "hf download" in str(err.value) and "fix:" in str(err.value)


def test_unknown_target_modules_are_an_input_error(base_dir):
    model, _ = llm.load_base(base_dir, "none", torch.device("cpu"))
    with pytest.raises(InputError, match="llm.lora.target_modules"):
        llm.add_lora(model, 4, 8, 0.0, ["no_such_proj"], quantized=False, gradient_checkpointing=False)


# --- songs as ids ------------------------------------------------------------------

def test_codec_adds_bos_once_and_the_document_is_context_continuation_eos(codec):
    tok = codec.tokenizer
    ctx = codec.context_ids()
    assert ctx[0] == tok.bos_token_id and tok.bos_token_id not in ctx[1:]
    assert tok.decode(ctx[1:]) == f"{START}\n"
    (cont,) = codec.continuation_ids([SONGS[0]])
    assert tok.decode(cont) == f"{SONGS[0]}\n{END}"
    assert codec.documents([SONGS[0]]) == [ctx + cont + [tok.eos_token_id]]
    assert codec.pad_id == tok.eos_token_id  # no pad token: any id serves, padding is never scored


def test_packed_blocks_keep_each_document_to_itself():
    docs = [torch.arange(10, 15), torch.arange(20, 23), torch.arange(30, 36)]  # 5 + 3 + 6 tokens, context 2
    ids, labels, pos = llm.pack_blocks(docs, 4, pad_id=99, context=2)
    assert ids.tolist() == [[10, 11, 12, 13], [14, 20, 21, 22], [30, 31, 32, 33], [34, 35, 99, 99]]
    ign = llm.IGNORE
    assert labels.tolist() == [[ign, ign, 12, 13], [14, ign, ign, 22], [ign, ign, 32, 33], [34, 35, ign, ign]]
    # positions restart at every document and every block: transformers' packed sequences
    assert pos.tolist() == [[0, 1, 2, 3], [0, 0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3]]
    assert llm.pack_blocks([torch.arange(9)], 4, 0, context=1)[0].shape == (2, 4)  # a lone last token: dropped


def test_a_packed_song_is_trained_on_exactly_what_scoring_it_alone_sees(base_dir, codec):
    """Packing several songs into a block changes nothing: each attends only to itself, from its start."""
    model, _ = llm.load_base(base_dir, "none", torch.device("cpu"))
    model.eval()
    songs = ["la luna", "el mar canta", "sol"]
    task = llm.LLMTask(codec, songs, VAL, batch_size=1, block_size=512, seed=1, ctx=CPU, name="t")
    task.start_epoch(1)
    (batch,) = list(task.batches(1))
    with torch.no_grad():
        packed, n = task.loss(model, batch)
        alone, m = llm.score_songs(model, codec, songs, block_size=512, ctx=CPU)
    eos = len(songs)  # training also learns to close each document with EOS, which scoring leaves to the sampler
    assert n == m + eos
    with torch.no_grad():
        logits = model(input_ids=batch[0], position_ids=batch[2], use_cache=False).logits[0, :-1]
    targets = batch[1][0, 1:]
    per_token = torch.nn.functional.cross_entropy(logits.float(), targets.clamp_min(0), reduction="none")
    scored = per_token[(targets != llm.IGNORE) & (targets != codec.eos_id)].sum()
    assert float(scored) == pytest.approx(float(alone.sum()), rel=1e-4)
    assert float(packed) * n == pytest.approx(float(per_token[targets != llm.IGNORE].sum()), rel=1e-4)


def test_two_ranks_split_each_global_batch_and_share_its_token_count(codec):
    def run(rank, world, block):
        task = llm.LLMTask(codec, SONGS, VAL, batch_size=4, block_size=block, seed=1, name="t",
                           ctx=distributed.Context(rank=rank, world=world))
        task.start_epoch(1)
        return list(task.batches(1))
    ragged = False
    for block in range(20, 29):  # some leave one block in the last batch: rank 1 gets one that scores nothing
        one, r0, r1 = run(0, 1, block), run(0, 2, block), run(1, 2, block)
        assert len(one) == len(r0) == len(r1)
        for (ids, labels, _, n), (a, _, _, n0), (b, lb, _, n1) in zip(one, r0, r1):
            assert n == n0 + n1 == int((labels[:, 1:] != llm.IGNORE).sum())
            assert torch.equal(ids[0::2], a)
            if len(ids) == 1:
                ragged = True
                assert (lb == llm.IGNORE).all()
            else:
                assert torch.equal(ids[1::2], b)
    assert ragged


# --- bits per character --------------------------------------------------------------

@pytest.mark.parametrize("block", [400, 7])
def test_song_windows_score_every_target_once_with_context(block):
    for n, first in [(5, 2), (50, 3), (401, 3), (1000, 9)]:
        windows = llm.song_windows(n, first, block)
        scored = [t for _, end, start in windows for t in range(start, end)]
        assert scored == list(range(first, n))
        assert all(0 <= s < f <= e and e - s <= block for s, e, f in windows)


def test_llm_bits_per_char_of_constant_logits_is_log2_vocab_per_scored_token(base_dir, codec):
    """The recurrent models' protocol: NLL of song + end marker given the start, over eval_chars(songs)."""
    model, _ = llm.load_base(base_dir, "none", torch.device("cpu"))
    torch.nn.init.zeros_(model.lm_head.weight)  # logits all 0: every token costs log V
    vocab = model.config.vocab_size
    songs = VAL + ["\n".join(SONGS)]  # the last is longer than the block: strided windows
    n_scored = sum(len(codec.tokenizer(f"{s}\n{END}", add_special_tokens=False)["input_ids"]) for s in songs)
    per_song, n = llm.score_songs(model, codec, songs, block_size=64, ctx=CPU, batch=3)
    nll = float(per_song.sum())
    assert n == n_scored and nll == pytest.approx(n_scored * math.log(vocab), rel=1e-6)  # float32 logits
    scores = perplexity.evaluate_splits(llm.Scorer(model, codec, 64, CPU), {"val": songs})["val"]
    expected = n_scored * math.log2(vocab) / eval_chars(songs)
    assert scores["bpc"] == pytest.approx(expected, rel=1e-6) and scores["bpc_unk"] == scores["bpc"]
    assert scores["bpc"] == pytest.approx(perplexity.bits_per_char(nll, eval_chars(songs)), rel=1e-12)
    assert scores["ppl"] == pytest.approx(vocab, rel=1e-6) and scores["chars"] == eval_chars(songs)
    assert scores["oov_tokens"] == 0 and scores["oov_rate"] is None
    # each song alone: its own tokens at log V each
    per_token = [len(codec.tokenizer(f"{s}\n{END}", add_special_tokens=False)["input_ids"]) for s in songs]
    assert scores["per_song"]["nll_nats"] == pytest.approx([k * math.log(vocab) for k in per_token], rel=1e-6)
    assert scores["per_song"]["chars"] == [len(s) + 1 for s in songs]


def test_windowed_scoring_is_one_forward_over_each_song_when_the_block_covers_it(base_dir, codec):
    model, _ = llm.load_base(base_dir, "none", torch.device("cpu"))
    model.eval()
    ctx_len, total = len(codec.context_ids()), 0.0
    with torch.no_grad():
        for cont in codec.continuation_ids(VAL):
            ids = torch.tensor([codec.context_ids() + cont])
            labels = ids.clone()
            labels[:, :ctx_len] = llm.IGNORE
            total += model(input_ids=ids, labels=labels).loss.item() * len(cont)
    nll, n = llm.score_songs(model, codec, VAL, block_size=512, ctx=CPU)
    assert float(nll.sum()) == pytest.approx(total, rel=1e-5)


# --- training ------------------------------------------------------------------------

def test_lora_training_lowers_the_loss_and_changes_only_the_adapter(base_dir, codec, tmp_path):
    model = lora_model(base_dir)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    nll_before = llm.score_songs(model.eval(), codec, SONGS, 32, CPU)[0].sum()
    _, res = fit(model, codec, tmp_path)
    losses = [row["train_loss"] for row in res.history]
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0]
    assert llm.score_songs(model.eval(), codec, SONGS, 32, CPU)[0].sum() < nll_before
    after = model.state_dict()
    adapter = {k for k in after if "lora_" in k}
    assert adapter and adapter == set(res.best_state)  # only trainable (LoRA) weights are kept
    assert all(torch.equal(after[k], before[k]) for k in after if k not in adapter)  # base bit-identical
    assert any(not torch.equal(after[k], before[k]) for k in adapter)
    saved = trainer.load_checkpoint(tmp_path / "run" / "model_best.pt")["state_dict"]
    assert set(saved) == adapter
    assert (tmp_path / "run" / "samples_epoch3.md").read_text().startswith("# run, epoch 3")


def test_nf4_quantized_base_trains_on_cpu_through_bitsandbytes(base_dir, codec, tmp_path):
    import bitsandbytes as bnb
    model = lora_model(base_dir, "nf4")
    q_proj = model.base_model.model.model.layers[0].self_attn.q_proj
    assert isinstance(q_proj.base_layer, bnb.nn.Linear4bit) and q_proj.base_layer.weight.quant_type == "nf4"
    total, trainable = llm.parameter_counts(model)
    dense_total, _ = llm.parameter_counts(lora_model(base_dir))
    assert total == dense_total and 0 < trainable < total  # 4-bit weights counted as parameters, not bytes
    lora_b = {k: v.clone() for k, v in model.state_dict().items() if "lora_B" in k}
    _, res = fit(model, codec, tmp_path, epochs=1, name="nf4")
    assert math.isfinite(res.history[0]["train_loss"]) and math.isfinite(res.history[0]["val_bpc"])
    assert any(not torch.equal(model.state_dict()[k], v) for k, v in lora_b.items())


class Crash(RuntimeError):
    pass


def test_a_killed_lora_run_resumes_from_the_adapter_checkpoint(base_dir, codec, tmp_path):
    _, full = fit(lora_model(base_dir), codec, tmp_path, name="full")

    def crash(model, epoch, outdir):
        if epoch == 2:
            raise Crash("killed")  # before last.pt of epoch 2 is written
    with pytest.raises(Crash):
        fit(lora_model(base_dir), codec, tmp_path, name="cut", after_epoch=crash)
    _, resumed = fit(lora_model(base_dir), codec, tmp_path, name="cut")  # a fresh base, the adapter from last.pt
    assert resumed.resumed_from_epoch == 1
    assert [r["val_loss"] for r in resumed.history] == pytest.approx([r["val_loss"] for r in full.history],
                                                                     rel=1e-6)
    assert all(torch.equal(resumed.best_state[k], full.best_state[k]) for k in full.best_state)


# --- sampling ------------------------------------------------------------------------

def test_the_kv_cache_step_gives_the_logits_of_a_full_forward(base_dir, codec):
    model, _ = llm.load_base(base_dir, "none", torch.device("cpu"))
    model.eval()
    prompt = codec.context_ids("la luna")
    tokens, _, _ = sampling.generate(llm.hf_step(model), prompt, 12, sampling.Decoding(temperature=1e-6))
    with torch.no_grad():
        full = model(input_ids=torch.tensor([prompt + tokens])).logits[0, len(prompt) - 1:-1]
    assert tokens == full.argmax(-1).tolist()


def test_a_batch_of_songs_through_the_batched_kv_cache_scores_each_as_a_full_forward(base_dir, codec):
    """Rows that draw different tokens each get their own cache: their log-probabilities are those of a
    full forward over their own prompt and tokens."""
    model, _ = llm.load_base(base_dir, "none", torch.device("cpu"))
    model.eval()
    prompt = codec.context_ids()
    rows = sampling.generate_batch(llm.hf_step(model), prompt, [sampling.Decoding(temperature=1.5)] * 3, 10,
                                   generators=[torch.Generator().manual_seed(0)] * 3)
    assert len({tuple(ids) for ids, _, _ in rows}) > 1
    for ids, _, logprobs in rows:
        with torch.no_grad():
            full = model(input_ids=torch.tensor([prompt + ids])).logits[0, len(prompt) - 1:-1].log_softmax(-1)
        assert logprobs == pytest.approx(full.gather(-1, torch.tensor(ids)[:, None]).squeeze(-1).tolist(), abs=1e-4)


class ScriptedLM(torch.nn.Module):
    """Writes `script` token by token whatever it is fed (the cache counts positions)."""

    def __init__(self, script, vocab):
        super().__init__()
        self.script, self.vocab = script, vocab

    def forward(self, input_ids, cache=None, use_cache=True):
        pos = cache or 0
        logits = torch.zeros(1, input_ids.size(1), self.vocab)
        logits[0, -1, self.script[min(pos, len(self.script) - 1)]] = 30.0
        return SimpleNamespace(logits=logits, cache=pos + 1)


def test_a_song_ends_at_the_end_marker_written_in_pieces_and_is_cut_there(codec):
    song = "una canción bonita\nde amor"
    (script,) = codec.continuation_ids([song + "\nmás texto que sobra"])
    (until_end,) = codec.continuation_ids([song])
    script = until_end + script  # the marker, then more text the sampler must not write
    lm = ScriptedLM(script, len(codec.tokenizer))
    (rec,) = sampling.sample_songs(llm.hf_step(lm), codec, sampling.Decoding(temperature=1e-6), 1, 100, seed=0,
                                   prompts=["hola"])
    assert rec["ended"] and rec["tokens"] == len(until_end)
    assert rec["text"] == f"hola\n{song}\n" and rec["copy_unit"] == "word 8-gram"
    assert rec["distinct_1"] == 1.0 and rec["copy_rate"] is None and rec["mean_nll"] < 1e-3


def test_eos_ends_a_song_but_not_before_min_new_tokens(codec):
    eos = codec.eos_id
    lm = ScriptedLM([eos] * 3 + codec.continuation_ids(["a b c d e f g h i j"])[0], len(codec.tokenizer))
    (rec,) = sampling.sample_songs(llm.hf_step(lm), codec, sampling.Decoding(temperature=1e-6), 1, 50, seed=0)
    assert rec["ended"] and rec["text"].startswith("a b c")  # the early EOS was blocked

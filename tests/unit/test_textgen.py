"""Recurrent LMs on the same terms as every Part A model: each song from a fresh state, open-vocabulary bits."""

import math
from pathlib import Path

import pytest
import torch

from nlpbench.core.io import read_text
from nlpbench.data.lyrics import clean_corpus
from nlpbench.data.vocab import SPECIALS, Vocab, tokenize
from nlpbench.lm import perplexity, recurrent, sampling
from nlpbench.lm.batching import encode_songs, eval_chars
from nlpbench.lm.spelling import UNICODE, Speller
from nlpbench.models.rnnlm import RNNLM
from nlpbench.train import distributed, trainer

REPO = Path(__file__).resolve().parents[2]
DISCO = REPO.parent / "shared" / "data" / "disco_sonnets" / "disco_sonnets.txt"
CPU = distributed.Context()


def task_for(songs, vocab, batch_size=3, seq_len=5):
    return recurrent.LMTask(encode_songs(songs, vocab), encode_songs(songs, vocab), vocab, batch_size=batch_size,
                          seq_len=seq_len, seed=1, ctx=CPU, val_chars=eval_chars(songs), name="t",
                          sample_tokens=3)


def test_training_scores_every_song_from_a_fresh_state_and_never_its_start_marker(tmp_path):
    """With lr 0 the first epoch's train loss is the token mean of each song scored alone from a zero state."""
    songs = ["la luna\ncanta", "el mar", "y la noche\nresponde al sol", "sol", "mar y luna\nluna y mar"]
    vocab = Vocab.build(songs, "char")
    torch.manual_seed(0)
    model = RNNLM(len(vocab), "gru", embed_dim=8, hidden_dim=8, num_layers=2, dropout=0.0, tie_weights=True)
    alone = perplexity.song_nll(model.eval(), encode_songs(songs, vocab), CPU, vocab.pad, window=1000)
    tokens = sum(len(s) + 1 for s in songs)  # every character and the end marker; not the start marker
    cfg = trainer.FitConfig(epochs=1, lr=0.0, clip=None, progress_every_s=1e9, name="t")
    res = trainer.fit(model, task_for(songs, vocab), cfg, CPU, tmp_path / "out", tmp_path / "ckpt")
    assert res.history[0]["train_items"] == tokens
    assert res.history[0]["train_loss"] == pytest.approx(float(alone.sum()) / tokens, rel=1e-5)


def test_steps_per_epoch_is_what_the_epochs_yield():
    songs = [("abc " * n).strip() for n in (1, 2, 3, 5, 8, 13, 2, 3)]
    task = task_for(songs, Vocab.build(songs, "char"), batch_size=2, seq_len=4)
    for epoch in (1, 2):
        assert sum(1 for _ in task.batches(epoch)) == task.steps_per_epoch()


def test_open_vocabulary_cost_of_unknown_words_and_characters():
    train = ["la luna canta", "la mar canta"]
    words = Vocab.build(train, "word", min_freq=2)  # la, canta known; luna, mar unknown
    cost = recurrent.unknown_token_cost(words, train)
    speller = Speller.fit(["la", "luna", "canta", "mar"])
    assert cost("sol") == pytest.approx(speller.nats("sol"))
    assert recurrent.song_spelling(["la sol canta mar"], words, cost) == [pytest.approx(cost("sol") + cost("mar"))]
    chars = Vocab.build(train, "char")
    seen = sum(t not in SPECIALS for t in chars.itos)
    assert recurrent.unknown_token_cost(chars, train)("ñ") == pytest.approx(math.log(UNICODE - seen))


def test_word_model_pays_for_its_unknown_words_and_char_model_for_nothing_it_knows():
    train = ["la luna canta\nla mar canta", "la luna y la mar"]
    held = ["la yuca canta", "la luna"]  # an unknown word made of known characters
    for level, min_freq in (("word", 2), ("char", 1)):
        vocab = Vocab.build(train, level, min_freq)
        torch.manual_seed(0)
        model = RNNLM(len(vocab), "lstm", embed_dim=8, hidden_dim=8, num_layers=1, dropout=0.0, tie_weights=True).eval()
        scores = perplexity.evaluate_splits(recurrent.Scorer(model, vocab, train, CPU), {"test": held})["test"]
        per_song = scores["per_song"]
        assert sum(per_song["nll_nats"]) / (sum(per_song["chars"]) * math.log(2)) == pytest.approx(scores["bpc"])
        if level == "word":  # "yuca" is unknown: spelt out, so bpc > bpc_unk, by exactly its spelling
            extra = recurrent.unknown_token_cost(vocab, train)("yuca")
            assert scores["oov_tokens"] == 1
            assert (scores["bpc"] - scores["bpc_unk"]) * eval_chars(held) * math.log(2) == pytest.approx(extra)
        else:  # 'e', 's', 't', ... all seen in train: nothing to spell
            assert scores["bpc"] == scores["bpc_unk"]


def _real_songs(source):
    if source == "disco":
        if not DISCO.is_file():
            pytest.skip(f"{DISCO} is not here (it stands beside the checkout in CI)")
        songs, _ = clean_corpus(read_text(DISCO)[0], str(DISCO), lowercase=False, min_chars=20)
        return songs[:300]
    return read_songs_from_demo()


def read_songs_from_demo():
    songs, _ = clean_corpus(read_text(REPO / "demo" / "data" / "canciones.txt")[0], "demo", lowercase=False,
                            min_chars=20)
    return songs


@pytest.mark.parametrize("source, epochs", [("demo", 40), ("disco", 6)])  # 38 demo songs, 300 sonnets
def test_a_fresh_state_after_the_start_marker_writes_what_songs_begin_with(source, epochs, tmp_path):
    """The sampler starts where training started: from a zero state after <|startsong|>, the first
    characters a trained char model writes are those that begin training songs."""
    songs = _real_songs(source)
    vocab = Vocab.build(songs, "char")
    torch.manual_seed(0)
    model = RNNLM(len(vocab), "lstm", embed_dim=32, hidden_dim=64, num_layers=1, dropout=0.0, tie_weights=True)
    task = recurrent.LMTask(encode_songs(songs, vocab), encode_songs(songs[:5], vocab), vocab, batch_size=16,
                          seq_len=64, seed=0, ctx=CPU, val_chars=eval_chars(songs[:5]), name="t", sample_tokens=3)
    cfg = trainer.FitConfig(epochs=epochs, lr=0.01, patience=epochs, progress_every_s=1e9, name="t")
    trainer.fit(model, task, cfg, CPU, tmp_path / "out", tmp_path / "ckpt")
    starts = {song[0] for song in songs}
    with torch.no_grad():
        probs = model.eval()(torch.tensor([[vocab.start]]))[0][0, -1].softmax(-1)
    assert sum(float(probs[vocab.stoi[c]]) for c in starts) > 0.9
    drawn = sampling.sample_songs(recurrent.rnn_step(model), recurrent.VocabCodec(vocab),
                                  sampling.Decoding(temperature=1.0), num=100, max_tokens=1, seed=0)
    first = [song["text"][:1] for song in drawn]
    assert sum(c in starts for c in first) >= 90, sorted(set(first) - starts)


def test_word_tokens_of_real_songs_are_spelt_with_a_finite_cost():
    songs = read_songs_from_demo()
    vocab = Vocab.build(songs[:10], "word", 2)
    cost = recurrent.unknown_token_cost(vocab, songs[:10])
    spelling = recurrent.song_spelling(songs[10:], vocab, cost)
    assert all(math.isfinite(c) and c >= 0 for c in spelling) and sum(spelling) > 0
    assert all(t in vocab.stoi or cost(t) > 0 for s in songs[10:] for t in tokenize(s, "word"))


# --- the adaptive softmax through training, loading and sampling ----------------

WORDS = [f"la luna {i % 7} canta y el mar {i % 11} responde\nla noche n{i % 29} calla" for i in range(30)]  # 54 ids
ADAPTIVE = dict(adaptive_softmax=True, adaptive_min_vocab=40, adaptive_cutoffs=[10, 25], adaptive_div_value=2.0)
SIZES = dict(embed_dim=8, hidden_dim=8, num_layers=1, dropout=0.0, tie_weights=True)


def test_word_models_get_the_adaptive_softmax_and_char_models_keep_the_full_one():
    words, chars = Vocab.build(WORDS, "word"), Vocab.build(WORDS, "char")
    assert len(words) >= 40 > len(chars)
    assert recurrent.build_model(words, "lstm", **ADAPTIVE, **SIZES).args["cutoffs"] == [10, 25]
    assert not recurrent.build_model(chars, "lstm", **ADAPTIVE, **SIZES).adaptive  # under adaptive_min_vocab
    off = recurrent.build_model(words, "lstm", **{**ADAPTIVE, "adaptive_softmax": False}, **SIZES)
    assert not off.adaptive and off.tied


def test_an_adaptive_model_trains_and_its_checkpoint_rebuilds_it(tmp_path):
    vocab = Vocab.build(WORDS, "word")
    torch.manual_seed(0)
    model = recurrent.build_model(vocab, "gru", **ADAPTIVE, **SIZES)
    task = task_for(WORDS, vocab, batch_size=4, seq_len=6)
    cfg = trainer.FitConfig(epochs=3, lr=0.02, patience=3, progress_every_s=1e9, name="t")
    res = trainer.fit(model, task, cfg, CPU, tmp_path, tmp_path / "ckpt", meta={"model_args": model.args})
    assert res.history[-1]["val_loss"] < res.history[0]["val_loss"]
    vocab.to_json(tmp_path / "vocab.json")
    loaded, loaded_vocab = recurrent.load(tmp_path)
    assert loaded.adaptive and loaded.args == model.args and loaded_vocab.itos == vocab.itos
    x = torch.tensor([encode_songs(WORDS[:1], vocab)[0].tolist()])
    with torch.no_grad():
        assert torch.equal(loaded(x)[0], model.eval()(x)[0])


def test_a_checkpoint_from_before_the_adaptive_softmax_loads_as_a_full_softmax(tmp_path):
    vocab = Vocab(SPECIALS + sorted({"la", "luna", "mar"}), "word")  # an alphabetical vocab.json of then
    old_args = dict(vocab_size=len(vocab), arch="lstm", **SIZES)  # no cutoffs, no div_value
    model = RNNLM(**old_args)
    trainer.save_checkpoint(tmp_path / "model_best.pt", model.state_dict(), {"model_args": old_args})
    vocab.to_json(tmp_path / "vocab.json")
    loaded, loaded_vocab = recurrent.load(tmp_path)
    assert not loaded.adaptive and loaded.tied and loaded_vocab.itos == vocab.itos
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in loaded.state_dict().items())


def test_sampling_an_adaptive_model_is_seeded_and_draws_from_its_distribution():
    vocab = Vocab.build(WORDS, "word")
    torch.manual_seed(0)
    model = recurrent.build_model(vocab, "lstm", **ADAPTIVE, **{**SIZES, "hidden_dim": 16}).eval()

    def draw(seed):
        torch.manual_seed(seed * 5)  # the global RNG must not matter
        songs = sampling.sample_songs(recurrent.rnn_step(model), recurrent.VocabCodec(vocab),
                                      sampling.Decoding(temperature=1.0), num=4, max_tokens=12, seed=seed)
        return [(s["text"], s["tokens"]) for s in songs]
    assert draw(1) == draw(1) and draw(1) != draw(2)
    with torch.no_grad():  # the step gives the normalised log-probabilities the sampler draws from
        logp, _ = recurrent.rnn_step(model)(torch.tensor([[vocab.start]]), None)
    assert torch.allclose(logp.logsumexp(-1), torch.zeros(1, 1), atol=1e-5)
    (ids, _, logprobs), = sampling.generate_batch(recurrent.rnn_step(model), [vocab.start], [sampling.Decoding()],
                                                 1, generators=[torch.Generator().manual_seed(0)])
    assert logprobs[0] == pytest.approx(float(logp[0, -1, ids[0]]), abs=1e-5)

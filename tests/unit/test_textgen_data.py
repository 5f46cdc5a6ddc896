import torch

from nlpbench.lyrics import END, START
from nlpbench.textgen_data import (UNK, Vocab, batchify, detokenize, encode_songs, epoch_stream, eval_chars,
                                   oov_stats, padded_pairs, tokenize)

SONGS = ["la luna, la mar\n\ny el sol", "la mar y la luna"]


def test_word_tokens_keep_newlines_and_punctuation_as_tokens():
    assert tokenize("la luna, la mar\n\ny el sol", "word") == [
        "la", "luna", ",", "la", "mar", "\n", "\n", "y", "el", "sol"]
    assert tokenize("ab\n", "char") == ["a", "b", "\n"]


def test_detokenize_restores_readable_text():
    text = "¿Dónde estás, mi amor?\n\nAquí, en la noche."
    assert detokenize(tokenize(text, "word"), "word") == text
    assert detokenize(tokenize(text, "char"), "char") == text


def test_vocab_comes_from_train_only_with_min_freq_and_unk():
    vocab = Vocab.build(SONGS, "word", min_freq=2)
    assert vocab.itos[:4] == ["<pad>", UNK, START, END]
    assert set(vocab.itos[4:]) == {"la", "luna", "mar", "y", "\n"}  # each seen at least twice
    ids = vocab.encode("la luna del sol")
    assert ids[0] == vocab.start and ids[-1] == vocab.end
    assert ids[1:-1] == [vocab.stoi["la"], vocab.stoi["luna"], vocab.unk, vocab.unk]


def test_vocab_ids_are_stable_and_round_trip_through_json(tmp_path):
    a, b = Vocab.build(SONGS, "char"), Vocab.build(list(reversed(SONGS)), "char")
    assert a.itos == b.itos
    a.to_json(tmp_path / "v.json")
    c = Vocab.from_json(tmp_path / "v.json")
    assert c.itos == a.itos and c.level == "char"
    assert c.decode(c.encode(SONGS[0])) == SONGS[0]


def test_oov_stats_count_tokens_and_their_characters():
    vocab = Vocab.build(SONGS, "word", min_freq=2)
    stats = oov_stats(["la estrella y el sol"], vocab)
    assert stats == {"tokens": 5, "oov_tokens": 3, "oov_chars": len("estrella") + 2 + 3, "oov_rate": 0.6}


def test_eval_chars_counts_each_song_plus_its_end():
    assert eval_chars(["abc", "de"]) == 3 + 1 + 2 + 1


def test_epoch_stream_is_seeded_and_keeps_every_song():
    songs = encode_songs(["a", "bb", "ccc", "dddd"], Vocab.build(["abcd"], "char"))
    s1, s2 = epoch_stream(songs, 1, 3), epoch_stream(songs, 1, 3)
    assert torch.equal(s1, s2)
    assert sorted(s1.tolist()) == sorted(torch.cat(songs).tolist())
    assert not torch.equal(epoch_stream(songs, 1, 3), epoch_stream(songs, 1, 4)) or len(songs) < 2
    assert torch.equal(epoch_stream(songs, 1, None), torch.cat(songs))


def test_batchify_makes_contiguous_streams():
    rows = batchify(torch.arange(10), 3)
    assert rows.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_padded_pairs_score_every_next_token_exactly_once():
    stream = torch.arange(10)
    x, y, mask = padded_pairs(stream, 4, pad=-1)
    assert x.shape == y.shape == mask.shape == (4, 3)
    pairs = sorted((int(a), int(b)) for a, b, m in zip(x.flatten(), y.flatten(), mask.flatten()) if m)
    assert pairs == [(i, i + 1) for i in range(9)]

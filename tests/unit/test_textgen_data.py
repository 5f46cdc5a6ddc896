
from nlpbench.data.lyrics import END, START
from nlpbench.data.vocab import UNK, Vocab, detokenize, tokenize
from nlpbench.lm.batching import (
    encode_songs,
    epoch_order,
    eval_chars,
    lane_tensors,
    oov_stats,
    oov_tokens,
    padded_songs,
    song_chars,
    song_lanes,
    songs_digest,
    windows,
)

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


def test_vocab_ids_follow_train_frequency_most_frequent_first_ties_alphabetical():
    """What an adaptive softmax needs: its head is the ids below a cutoff, the most frequent tokens."""
    vocab = Vocab.build(["b a a c c c d", "c b"], "word")
    assert vocab.itos[4:] == ["c", "a", "b", "d"]  # 4, 2, 2 (a before b), 1


def test_vocab_ids_are_stable_and_round_trip_through_json(tmp_path):
    a, b = Vocab.build(SONGS, "char"), Vocab.build(list(reversed(SONGS)), "char")
    assert a.itos == b.itos
    a.to_json(tmp_path / "v.json")
    c = Vocab.from_json(tmp_path / "v.json")
    assert c.itos == a.itos and c.level == "char"
    assert c.decode(c.encode(SONGS[0])) == SONGS[0]


def test_oov_stats_count_unknown_tokens():
    vocab = Vocab.build(SONGS, "word", min_freq=2)
    assert oov_tokens("la estrella y el sol", vocab) == ["estrella", "el", "sol"]
    assert oov_stats(["la estrella y el sol"], vocab) == {"tokens": 5, "oov_tokens": 3, "oov_rate": 0.6}


def test_eval_chars_counts_each_song_plus_its_end():
    assert eval_chars(["abc", "de"]) == 3 + 1 + 2 + 1
    assert song_chars(["abc", "de"]) == [4, 3]


def test_songs_digest_depends_on_the_songs_and_their_order():
    assert songs_digest(["a", "b"]) == songs_digest(["a", "b"]) != songs_digest(["b", "a"])


def test_epoch_order_is_seeded_and_keeps_every_item():
    assert epoch_order(10, 1, 3) == epoch_order(10, 1, 3) != epoch_order(10, 1, 4)
    assert sorted(epoch_order(10, 1, 3)) == list(range(10))


def test_song_lanes_cover_every_song_once_with_the_same_loads_every_epoch():
    vocab = Vocab.build(["abcdefgh"], "char")
    songs = encode_songs(["a" * n for n in (1, 2, 3, 5, 6, 7, 9, 10, 14, 15, 3, 4)], vocab)
    seq_len, lanes = 4, 3
    loads = []
    for epoch in (1, 2, 3):
        rows = song_lanes(songs, seq_len, lanes, seed=7, epoch=epoch)
        assert len(rows) == lanes and sorted(i for row in rows for i in row) == list(range(len(songs)))
        loads.append(sorted(sum(windows(songs[i], seq_len) for i in row) for row in rows))
    assert loads[0] == loads[1] == loads[2]  # the scheduler's step count holds in every epoch
    assert max(loads[0]) - min(loads[0]) <= max(windows(s, seq_len) for s in songs)  # balanced
    assert song_lanes(songs, seq_len, lanes, 7, 1) == song_lanes(songs, seq_len, lanes, 7, 1)
    assert song_lanes(songs, seq_len, lanes, 7, 1) != song_lanes(songs, seq_len, lanes, 7, 2)


def test_lane_tensors_start_every_song_on_a_window_boundary():
    vocab = Vocab.build(["abc"], "char")
    songs = encode_songs(["abcab", "a", "abc"], vocab)  # 6, 2 and 4 predictions
    x, y, keep, starts = lane_tensors(songs, [[0, 1], [2]], seq_len=4, pad=vocab.pad)
    assert x.shape == (2, 3 * 4) and starts.shape == (2, 3)
    assert starts.tolist() == [[True, False, True], [True, True, True]]  # song 0 fills 2 windows, song 1 the third
    assert x[0, 0] == vocab.start and x[0, 8] == vocab.start and x[1, 0] == vocab.start
    assert keep.sum(1).tolist() == [6 + 2, 4]
    assert vocab.start not in y[keep].tolist()  # the start marker is never a target
    assert y[0, :6].tolist() == songs[0][1:].tolist() and (x[~keep] == vocab.pad).all()


def test_padded_songs_predict_every_token_after_the_start_marker_once():
    vocab = Vocab.build(["abc"], "char")
    songs = encode_songs(["abc", "a"], vocab)
    x, y, keep = padded_songs(songs, vocab.pad, width=8, rows=3)
    assert x.shape == y.shape == keep.shape == (3, 8)
    assert keep.sum(1).tolist() == [4, 2, 0]  # 3 chars + end, 1 char + end, a padding row
    assert x[0, 0] == vocab.start and vocab.start not in y[keep].tolist()  # the start is never a target
    assert y[0, :4].tolist() == songs[0][1:].tolist() and y[1, 1] == vocab.end
    assert (x[~keep] == vocab.pad).all()

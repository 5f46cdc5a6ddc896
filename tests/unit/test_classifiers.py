import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from nlpbench.classify import pipeline
from nlpbench.data.vocab import Vocab
from nlpbench.models.classifiers import CELLS, build_classifier, reverse_within
from nlpbench.train import distributed

ARCHS = ["cnn", "rnn", "lstm", "gru"]


def model(arch, pooling="max", bidirectional=True):
    torch.manual_seed(0)
    return build_classifier(arch, 40, 5, embed_dim=8, hidden_dim=6, num_layers=2, bidirectional=bidirectional,
                            pooling=pooling, kernel_sizes=[2, 3], channels=4, dropout=0.3, pad=0).eval()


@pytest.mark.parametrize("arch", ARCHS)
def test_logits_shape(arch):
    ids, lengths = pipeline.collate([torch.tensor([5, 6, 7]), torch.tensor([8])], pad=0)
    assert model(arch)(ids, lengths).shape == (2, 5)


@pytest.mark.parametrize("arch,pooling,bi", [(a, p, b) for a in ARCHS for p in ("last", "mean", "max")
                                             for b in (True, False) if a != "cnn" or (p == "max" and b)])
def test_padding_never_changes_a_prediction(arch, pooling, bi):
    m = model(arch, pooling, bi)
    short, long = torch.tensor([4, 9, 11]), torch.arange(4, 30)
    alone = m(*pipeline.collate([short], pad=0))
    batched = m(*pipeline.collate([short, long], pad=0))
    assert torch.allclose(alone[0], batched[0], atol=1e-6)
    tiny = torch.tensor([7])  # shorter than the widest CNN kernel
    assert torch.allclose(m(*pipeline.collate([tiny], 0))[0], m(*pipeline.collate([tiny, long], 0))[0], atol=1e-6)


@pytest.mark.parametrize("arch,bi", [(a, b) for a in ("rnn", "lstm", "gru") for b in (True, False)])
def test_recurrent_encoder_equals_packed_sequences(arch, bi):
    """The padded, reversed-within-length encoder computes what nn.LSTM over packed sequences computes."""
    m = model(arch, "max", bi)
    ref = CELLS[arch](8, 6, 2, batch_first=True, bidirectional=bi)
    with torch.no_grad():  # copy each (layer, direction) cell into the reference's l{k}[_reverse] weights
        for i, cell in enumerate(m.cells):
            layer, suffix = divmod(i, 2 if bi else 1)
            for name, w in cell.named_parameters():
                getattr(ref, f"{name[:-1]}{layer}" + ("_reverse" if suffix else "")).copy_(w)
    ids, lengths = pipeline.collate([torch.arange(4, 30), torch.tensor([4, 9, 11]), torch.tensor([7])], pad=0)
    x = m.embed(ids)
    packed, _ = ref(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
    want, _ = pad_packed_sequence(packed, batch_first=True)
    got = m.encode(x, lengths)
    mask = (torch.arange(ids.size(1))[None, :] < lengths[:, None])[..., None]
    assert torch.allclose(got * mask, want * mask, atol=1e-6)


def test_reverse_within_keeps_padding_in_place():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]])
    assert reverse_within(x, torch.tensor([3, 2])).tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]


def test_macro_f1_from_confusion_equals_sklearn():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    p[:50] = y[:50]
    cm = np.bincount(y * 4 + p, minlength=16).reshape(4, 4)
    assert pipeline.macro_f1_from_confusion(cm) == pytest.approx(f1_score(y, p, average="macro"))


def test_tokenizer_options():
    assert pipeline.tokenize_review("¡Qué RICO!", lowercase=True) == ["¡", "qué", "rico", "!"]
    assert pipeline.tokenize_review("Qué rico", lowercase=False, strip_accents=True) == ["Que", "rico"]


def test_encode_cuts_to_max_len_and_never_returns_empty():
    vocab = Vocab.from_tokens([["muy", "bueno"]], "word")
    seqs = pipeline.encode(["muy bueno muy bueno", ""], vocab, max_len=3, lowercase=True, strip_accents=False)
    assert seqs[0].tolist() == [vocab.stoi["muy"], vocab.stoi["bueno"], vocab.stoi["muy"]]
    assert seqs[1].tolist() == [vocab.unk]


def test_task_shards_each_global_batch_across_ranks():
    seqs = [torch.tensor([i + 4]) for i in range(10)]
    full = pipeline.ClassifyTask(seqs, list(range(10)), seqs, list(range(10)), 10, batch_size=4, seed=1, pad=0,
                                 ctx=distributed.Context())
    halves = [pipeline.ClassifyTask(seqs, list(range(10)), seqs, list(range(10)), 10, batch_size=4, seed=1, pad=0,
                                    ctx=distributed.Context(rank=r, world=2)) for r in (0, 1)]
    for epoch in (1, 2):
        whole = [b[2].tolist() for b in full.batches(epoch)]
        parts = [[b[2].tolist() for b in h.batches(epoch)] for h in halves]
        assert len(whole) == full.steps_per_epoch() == 2
        for step, labels in enumerate(whole):
            assert sorted(parts[0][step] + parts[1][step]) == sorted(labels)


def test_load_vectors_checks_the_file_and_dimension(tmp_path):
    vocab = Vocab.from_tokens([["hola", "mundo"]], "word")
    path = tmp_path / "v.txt"
    path.write_text("2 3\nhola 1 2 3\notra 4 5 6\n")
    matrix, coverage = pipeline.load_vectors(path, vocab, 3)
    assert matrix[vocab.stoi["hola"]].tolist() == [1, 2, 3] and coverage == 0.5
    with pytest.raises(Exception, match="expected 4"):
        pipeline.load_vectors(path, vocab, 4)
    with pytest.raises(Exception, match="classify.model.embeddings"):
        pipeline.load_vectors(tmp_path / "missing.txt", vocab, 3)


def test_char_ngrams_are_stable_bucket_ids_of_the_marked_word():
    grams = pipeline.char_ngrams("sol", min_n=2, max_n=3, buckets=50)
    assert len(grams) == 4 + 3  # "<sol>": 4 bigrams, 3 trigrams
    assert all(1 <= g <= 50 for g in grams)
    # crc32, unsalted: the same ids in every process (Python's hash() would differ per run)
    assert grams[0] == __import__("zlib").crc32(b"<s") % 50 + 1
    assert pipeline.char_ngrams("buenísimo", 2, 5, 1 << 16) == pipeline.char_ngrams("buenísimo", 2, 5, 1 << 16)


def test_encode_with_subwords_keeps_word_ids_and_gives_unseen_words_ngrams():
    vocab = Vocab.from_tokens([["muy", "bueno"]], "word")
    sub = dict(min_n=2, max_n=3, buckets=97)
    plain = pipeline.encode(["muy buenísimo", ""], vocab, 8, lowercase=True, strip_accents=False)
    seqs = pipeline.encode(["muy buenísimo", ""], vocab, 8, lowercase=True, strip_accents=False, subwords=sub)
    assert seqs[0][:, 0].tolist() == plain[0].tolist() == [vocab.stoi["muy"], vocab.unk]
    unseen = seqs[0][1, 1:]
    assert sorted(unseen[unseen > 0].tolist()) == sorted(pipeline.char_ngrams("buenísimo", **sub))
    assert seqs[1].tolist() == [[vocab.unk]]  # an empty review: one <unk>, no n-grams


def subword_model(arch, pooling="mean"):
    torch.manual_seed(0)
    return build_classifier(arch, 40, 5, embed_dim=8, hidden_dim=6, num_layers=1, pooling=pooling,
                            kernel_sizes=[2, 3], channels=4, dropout=0.3, bidirectional=True, pad=0,
                            subword_buckets=97).eval()


@pytest.mark.parametrize("arch", ARCHS)
def test_subword_padding_never_changes_a_prediction(arch):
    vocab = Vocab.from_tokens([["muy", "bueno", "el", "lugar"]], "word")
    short, long, tiny = pipeline.encode(["muy bueno", "el lugar es muy bueno " * 5 + "increíble", "x"], vocab, 64,
                                        lowercase=True, strip_accents=False,
                                        subwords=dict(min_n=2, max_n=4, buckets=97))
    m = subword_model(arch)
    for seq in (short, tiny):
        alone = m(*pipeline.collate([seq], vocab.pad))
        assert torch.allclose(alone[0], m(*pipeline.collate([seq, long], vocab.pad))[0], atol=1e-6)


def test_subword_embedding_averages_word_and_ngram_vectors():
    m = subword_model("gru")
    ids = torch.tensor([[[5, 3, 7, 0], [0, 0, 0, 0]]])  # word 5 with n-grams 3 and 7; then padding
    emb = m.embed(ids)
    want = (m.embed.word.weight[5] + m.embed.ngrams.weight[3] + m.embed.ngrams.weight[7]) / 3
    assert torch.allclose(emb[0, 0], want, atol=1e-6)
    assert torch.equal(emb[0, 1], torch.zeros(8))  # padding embeds to zeros


@pytest.mark.parametrize("arch", ["cnn", "gru"])
def test_predict_proba_sorts_by_length_yet_answers_in_the_order_given(arch):
    vocab = Vocab.from_tokens([["muy", "bueno", "el", "lugar"]], "word")
    texts = ["el lugar " * n + "muy bueno" for n in (7, 0, 3, 12, 1, 5)]
    seqs = pipeline.encode(texts, vocab, 64, lowercase=True, strip_accents=False,
                           subwords=dict(min_n=2, max_n=4, buckets=97))
    m = subword_model(arch)
    with torch.no_grad():  # one review at a time: no padding, the order given
        alone = torch.cat([torch.softmax(m(*pipeline.collate([s], vocab.pad)), -1) for s in seqs])
    assert pipeline.by_length(seqs) == [1, 4, 2, 5, 0, 3]
    assert torch.allclose(pipeline.predict_proba(m, seqs, vocab.pad, "cpu", batch=4), alone, atol=1e-6)

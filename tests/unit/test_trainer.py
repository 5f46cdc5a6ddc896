"""The shared training loop, driven by the recurrent LM task on a tiny corpus."""

import argparse
import csv
import logging

import pytest
import torch

from nlpbench.core.settings import Settings
from nlpbench.data.vocab import Vocab
from nlpbench.lm.batching import encode_songs, eval_chars
from nlpbench.lm.recurrent import LMTask
from nlpbench.models.rnnlm import RNNLM
from nlpbench.train import distributed, flags, trainer

TRAIN = [f"la luna {i % 3} canta\nel mar responde\n\nla noche {i % 5}" for i in range(24)]
VAL = ["la luna 1 canta\nel mar responde", "la noche 2"]


class Crash(RuntimeError):
    pass


def make(tmp_path, epochs=4, lr=0.01, patience=10, crash_after=None, fingerprint="a", dropout=0.1, train=TRAIN):
    torch.manual_seed(0)
    vocab = Vocab.build(train, "char")
    model = RNNLM(len(vocab), "lstm", embed_dim=16, hidden_dim=16, num_layers=1, dropout=dropout, tie_weights=True)
    task = LMTask(encode_songs(train, vocab), encode_songs(VAL, vocab), vocab, batch_size=4,
                  seq_len=8, seed=3, ctx=distributed.Context(), val_chars=eval_chars(VAL), name="t",
                  sample_tokens=10)
    if crash_after is not None:
        original = task.after_epoch

        def after_epoch(model, epoch, outdir):
            original(model, epoch, outdir)
            if epoch == crash_after + 1:
                raise Crash("killed")  # before last.pt of this epoch is written
        task.after_epoch = after_epoch
    cfg = trainer.FitConfig(epochs=epochs, lr=lr, patience=patience, seed=5, fingerprint=fingerprint,
                            progress_every_s=1e9, name="t")
    return model, task, cfg


def run(tmp_path, **kw):
    model, task, cfg = make(tmp_path, **kw)
    res = trainer.fit(model, task, cfg, distributed.Context(), tmp_path / "out", tmp_path / "ckpt",
                      meta={"model_args": model.args})
    return model, res


def test_training_lowers_the_validation_loss_and_writes_its_files(tmp_path):
    _, res = run(tmp_path, epochs=4)
    losses = [r["val_loss"] for r in res.history]
    assert losses[-1] < losses[0]
    with open(tmp_path / "out" / "trainlog.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["epoch", "train_loss", "val_loss", "val_ppl", "val_bpc", "seconds",
                             "tokens_per_s", "lr"]
    assert len(rows) == 4 and all(float(r["tokens_per_s"]) > 0 for r in rows)
    ckpt = trainer.load_checkpoint(tmp_path / "out" / "model_best.pt")  # weights_only=True
    assert ckpt["meta"]["model_args"]["arch"] == "lstm"
    assert (tmp_path / "out" / "sample_epoch4.txt").exists()
    assert res.best_epoch == min(res.history, key=lambda r: r["val_loss"])["epoch"]


def test_early_stopping_after_patience_epochs_without_gain(tmp_path):
    _, res = run(tmp_path, epochs=10, lr=0.0, patience=2)  # lr 0: val loss cannot improve
    assert len(res.history) == 3 and res.best_epoch == 1


def test_resume_after_a_crash_ends_exactly_like_an_uninterrupted_run(tmp_path):
    full_model, full = run(tmp_path / "full", epochs=4)
    with pytest.raises(Crash):
        run(tmp_path / "cut", epochs=4, crash_after=2)
    assert trainer.load_checkpoint(tmp_path / "cut" / "ckpt" / "last.pt")["epoch"] == 2
    resumed_model, resumed = run(tmp_path / "cut", epochs=4)
    assert resumed.resumed_from_epoch == 2
    assert [r["val_loss"] for r in resumed.history] == [r["val_loss"] for r in full.history]
    for a, b in zip(full_model.state_dict().values(), resumed_model.state_dict().values()):
        assert torch.equal(a, b)


def test_a_checkpoint_of_another_config_is_not_resumed(tmp_path):
    with pytest.raises(Crash):
        run(tmp_path, epochs=3, crash_after=1, fingerprint="old")
    _, res = run(tmp_path, epochs=3, fingerprint="new")
    assert res.resumed_from_epoch == 0 and len(res.history) == 3


def fingerprint_of(path, input="train") -> str:
    """The fingerprint a training script gives a run on this input (flags.run_values -> fit_config)."""
    args = argparse.Namespace(**{input: str(path)}, seed=5, precision="fp32", epochs=3, lr=0.01, weight_decay=0.0,
                              patience=10, progress_every=1e9, outdir="out", tensorboard=False)
    return flags.fit_config(args, flags.run_values(args, Settings(()), input), "t").fingerprint


def assert_same_run(a, b):
    (model_a, res_a), (model_b, res_b) = a, b
    assert [r["val_loss"] for r in res_a.history] == [r["val_loss"] for r in res_b.history]
    assert all(torch.equal(x, y) for x, y in zip(model_a.state_dict().values(), model_b.state_dict().values()))


def test_a_checkpoint_of_other_input_contents_at_the_same_path_is_set_aside(tmp_path, caplog):
    data, resplit = tmp_path / "train.txt", [s.replace("luna", "nula") for s in TRAIN]  # same characters
    data.write_text("\n\n".join(TRAIN))
    with pytest.raises(Crash):
        run(tmp_path, epochs=3, crash_after=1, fingerprint=fingerprint_of(data))
    data.write_text("\n\n".join(resplit))  # e.g. another split seed: new songs, same path
    last = tmp_path / "ckpt" / "last.pt"
    with caplog.at_level(logging.WARNING):
        resumed = run(tmp_path, epochs=3, fingerprint=fingerprint_of(data), train=resplit)
    assert resumed[1].resumed_from_epoch == 0 and len(resumed[1].history) == 3
    assert caplog.messages == [f"[t] checkpoint {last} is from another run (its inputs or settings differ): "
                               f"moved to {last}.stale, starting over"]
    assert trainer.load_checkpoint(f"{last}.stale")["epoch"] == 1
    assert_same_run(resumed, run(tmp_path / "fresh", epochs=3, fingerprint=fingerprint_of(data), train=resplit))


def test_the_fingerprint_follows_the_contents_of_a_model_directory_not_its_path(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text('{"hidden_size": 8}')
    (base / "model.safetensors").write_bytes(b"x" * 100)
    (base / ".cache").mkdir()
    (base / ".cache" / "download.lock").write_text("1")
    first = fingerprint_of(base, "base_model")
    (base / ".cache" / "download.lock").write_text("2")  # a download cache is not the model
    assert fingerprint_of(base, "base_model") == first
    (base / "config.json").write_text('{"hidden_size": 16}')
    assert fingerprint_of(base, "base_model") != first
    first = fingerprint_of(base, "base_model")
    (base / "model.safetensors").write_bytes(b"x" * 101)
    assert fingerprint_of(base, "base_model") != first


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_an_unreadable_checkpoint_is_named_set_aside_and_the_run_starts_over(tmp_path, caplog, damage):
    with pytest.raises(Crash):
        run(tmp_path, epochs=3, crash_after=1)
    last = tmp_path / "ckpt" / "last.pt"
    whole = last.read_bytes()
    damaged = whole[: len(whole) // 2] if damage == "truncated" else b"\x80\x02garbage"
    last.write_bytes(damaged)
    with caplog.at_level(logging.WARNING):
        again = run(tmp_path, epochs=3)
    assert again[1].resumed_from_epoch == 0 and len(again[1].history) == 3
    [line] = caplog.messages
    assert line.startswith(f"[t] checkpoint {last} cannot be read, truncated or damaged (") and \
        line.endswith(f"): moved to {last}.corrupt, starting over")
    assert (tmp_path / "ckpt" / "last.pt.corrupt").read_bytes() == damaged  # kept for a look, not deleted
    assert_same_run(again, run(tmp_path / "fresh", epochs=3))


def test_a_checkpoint_of_another_vocabulary_size_starts_over_instead_of_failing(tmp_path, caplog):
    with pytest.raises(Crash):
        run(tmp_path, epochs=3, crash_after=1)  # same fingerprint, as when only a path was fingerprinted
    bigger = [*TRAIN, "xyz qwv"]
    with caplog.at_level(logging.WARNING):
        _, res = run(tmp_path, epochs=3, train=bigger)
    assert res.resumed_from_epoch == 0 and len(res.history) == 3
    assert "is from another run" in caplog.text and (tmp_path / "ckpt" / "last.pt.stale").exists()


def test_clear_checkpoint_removes_last_pt(tmp_path):
    run(tmp_path, epochs=1)
    assert (tmp_path / "ckpt" / "last.pt").exists()
    trainer.clear_checkpoint(tmp_path / "ckpt")
    assert not (tmp_path / "ckpt" / "last.pt").exists()


def test_peak_memory_is_reported_on_cpu():
    mb, kind = trainer.peak_memory_mb(torch.device("cpu"))
    assert kind == "cpu_peak_rss" and mb > 10


def test_tensorboard_event_files_hold_the_trainlog_scalars(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    model, task, cfg = make(tmp_path, epochs=3)
    cfg.tensorboard = str(tmp_path / "tb")
    res = trainer.fit(model, task, cfg, distributed.Context(), tmp_path / "out", tmp_path / "ckpt",
                      meta={"model_args": model.args})
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    assert {"train/loss", "train/lr", "train/tokens_per_s", "val/loss", "val/bpc"} <= set(events.Tags()["scalars"])
    val = events.Scalars("val/loss")
    assert [e.step for e in val] == [1, 2, 3]
    assert [e.value for e in val] == pytest.approx([r["val_loss"] for r in res.history], rel=1e-6)


def test_trainable_only_keeps_and_restores_just_the_trainable_weights(tmp_path):
    model, task, cfg = make(tmp_path, epochs=2)
    model.embed.weight.requires_grad_(False)
    frozen = model.embed.weight.detach().clone()
    cfg.trainable_only = True
    res = trainer.fit(model, task, cfg, distributed.Context(), tmp_path / "out", tmp_path / "ckpt",
                      meta={"model_args": model.args})
    assert "embed.weight" not in res.best_state and res.best_state
    assert set(res.best_state) == {n for n, p in model.named_parameters() if p.requires_grad}
    assert torch.equal(model.embed.weight, frozen)
    saved = trainer.load_checkpoint(tmp_path / "out" / "model_best.pt")["state_dict"]
    assert set(saved) == set(res.best_state)


def test_the_best_row_is_the_kept_epoch_and_save_best_false_writes_no_weights(tmp_path):
    model, task, cfg = make(tmp_path, epochs=3)
    res = trainer.fit(model, task, cfg, distributed.Context(), tmp_path / "out", tmp_path / "ckpt", save_best=False)
    assert res.best_row["epoch"] == res.best_epoch
    assert res.best_row["val_loss"] == min(r["val_loss"] for r in res.history)
    assert not (tmp_path / "out" / "model_best.pt").exists() and (tmp_path / "out" / "trainlog.csv").exists()
    summary = trainer.run_summary(model, res, distributed.Context(), 3, "tokens", seed=5)
    assert summary["best_val_loss"] == res.best_row["val_loss"] and summary["best_val_bpc"] == res.best_row["val_bpc"]

"""The suite's shared fixtures run once per session, however many xdist workers ask for them."""

import threading
import time

from conftest import once


class Factory:
    """What once() needs of pytest's tmp_path_factory: the session's base directory."""

    def __init__(self, base):
        self.base = base

    def getbasetemp(self):
        return self.base


def test_once_makes_the_directory_once_while_the_others_wait(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    calls = []

    def make(path):
        calls.append(path)
        time.sleep(0.2)  # the other callers arrive while it is being made
        (path / "out.txt").write_text("made")

    seen = []
    workers = [threading.Thread(target=lambda: seen.append(once(Factory(tmp_path), "demo", make)))
               for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(calls) == 1 and seen == [tmp_path / "demo"] * 3
    assert all((p / "out.txt").read_text() == "made" for p in seen)  # nobody returned before it was made


def test_a_failed_make_is_tried_again_by_the_next_caller(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    attempts = []

    def make(path):
        attempts.append(path)
        if len(attempts) == 1:
            raise RuntimeError("the first run failed")

    try:
        once(Factory(tmp_path), "demo", make)
    except RuntimeError:
        pass
    assert once(Factory(tmp_path), "demo", make) == tmp_path / "demo" and len(attempts) == 2


def test_under_xdist_the_workers_share_the_session_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    made = once(Factory(tmp_path / "popen-gw1"), "demo", lambda path: None)
    assert made == tmp_path / "demo"

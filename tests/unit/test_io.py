import json
import logging
import os
import stat

import pytest

from nlpbench.core import io
from nlpbench.core.errors import InputError


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_non_utf8_is_detected_converted_and_warned(tmp_path, caplog, encoding):
    path = tmp_path / "songs.txt"
    path.write_bytes("canción, corazón y pingüino".encode(encoding))
    with caplog.at_level(logging.WARNING):
        text, used = io.read_text(path)
    assert text == "canción, corazón y pingüino"
    assert used == "cp1252"  # cp1252 decodes Latin-1's letters identically
    assert "not valid UTF-8" in caplog.text and str(path) in caplog.text


def test_cp1252_only_characters_survive(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("dijo “sí”… 5 €".encode("cp1252"))
    assert io.read_text(path) == ("dijo “sí”… 5 €", "cp1252")


def test_latin1_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"a\x81b\xe9")  # 0x81 is unassigned in cp1252
    assert io.read_text(path) == ("a\x81bé", "latin-1")


@pytest.mark.parametrize("encoding,name", [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")])
def test_byte_order_marks_are_honoured(tmp_path, encoding, name):
    path = tmp_path / "x.txt"
    path.write_bytes("<|startsong|>\nñ".encode(encoding))
    assert io.read_text(path) == ("<|startsong|>\nñ", name)


@pytest.mark.parametrize("encoding,name", [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
def test_utf16_without_a_bom_is_named_with_the_fix(tmp_path, encoding, name):
    """Without a BOM it is valid UTF-8 full of NULs: it would pass as text and fail far later, unexplained."""
    path = tmp_path / "canciones.txt"
    path.write_bytes("<|startsong|>\nla canción “sí”\n<|endsong|>\n".encode(encoding))
    with pytest.raises(InputError) as err:
        io.read_text(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: looks like {name} text without a byte-order mark (")
    assert f"fix: re-save it as UTF-8: iconv -f {name} -t UTF-8 {path} > {path}.utf8" in msg


def test_a_few_nul_bytes_are_not_taken_for_utf16(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"plain text with one\x00 stray NUL byte in it")
    assert io.read_text(path)[1] == "utf-8"


def test_utf8_is_read_without_warning(tmp_path, caplog):
    path = tmp_path / "x.txt"
    path.write_text("ñandú", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert io.read_text(path) == ("ñandú", "utf-8")
    assert not caplog.records


def test_atomic_write_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "out" / "file.json"
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_write_json_keeps_non_ascii_and_replaces_atomically(tmp_path):
    target = tmp_path / "s.json"
    target.write_text("old")
    io.write_json(target, {"canción": 1})
    assert json.loads(target.read_text(encoding="utf-8")) == {"canción": 1}
    assert "canción" in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_write_text_keeps_newlines_as_given(tmp_path):
    target = tmp_path / "t.txt"
    io.write_text(target, "a\nb\n")
    assert target.read_bytes() == b"a\nb\n"


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_respect_the_umask_like_a_plain_open(tmp_path, umask, mode):
    """On a shared cluster a group reads the results: mkstemp's 0600 would shut it out."""
    old = os.umask(umask)
    try:
        io.write_json(tmp_path / "s.json", {"a": 1})
        with io.atomic_path(tmp_path / "sub" / "model.pt") as tmp:
            tmp.write_bytes(b"weights")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    for name in ("s.json", "sub/model.pt", "plain.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name

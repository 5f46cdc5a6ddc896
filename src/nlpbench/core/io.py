"""Reading text in unknown encodings and writing outputs atomically.

Outputs are written to a temporary file beside the target and renamed into
place, so a crash never leaves a half-written file that looks finished.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
import os
import secrets
import shlex
from pathlib import Path

from nlpbench.core.errors import InputError

log = logging.getLogger(__name__)

# Tried in order after UTF-8 fails. cp1252 is a superset of Latin-1's printable
# range and is what Windows editors write; latin-1 decodes any byte at all.
_FALLBACK_ENCODINGS = ("cp1252", "latin-1")


def decode_bytes(raw: bytes, source: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode `raw`, detecting BOMs, UTF-8, cp1252 and Latin-1 in that order.

    UTF-16 without a BOM is refused with an InputError saying so (see _refuse_bomless_utf16).

    Returns (text, encoding). Anything but UTF-8 is logged as a warning that
    names the file, since the user should know their input was converted.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(enc), enc
    _refuse_bomless_utf16(raw, source)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        first_bad = err.start
    for enc in _FALLBACK_ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        log.warning("%s is not valid UTF-8 (first bad byte at offset %d); "
                    "decoded as %s and converted to UTF-8", source, first_bad, enc)
        return text, enc
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


_SNIFF_BYTES = 4096


def _refuse_bomless_utf16(raw: bytes, source: str | Path) -> None:
    """UTF-16 without a BOM is valid UTF-8 full of NULs, so it would pass for text and fail far later.

    Text in UTF-16 has a NUL as the high byte of every ASCII or Latin-1 character: at odd offsets
    (little-endian) or even ones (big-endian), and almost never at the other parity.
    """
    head = raw[:_SNIFF_BYTES]
    pairs = len(head) // 2
    if pairs < 2:
        return
    even, odd = head[0::2][:pairs].count(0), head[1::2][:pairs].count(0)
    for nuls, other, enc in ((odd, even, "UTF-16LE"), (even, odd, "UTF-16BE")):
        if nuls >= 0.3 * pairs and other <= 0.05 * pairs:
            path = shlex.quote(str(source))
            raise InputError(source, f"looks like {enc} text without a byte-order mark ({nuls} of its first "
                             f"{pairs * 2} bytes are NUL), not UTF-8",
                             f"re-save it as UTF-8: iconv -f {enc} -t UTF-8 {path} > {path}.utf8 && "
                             f"mv {path}.utf8 {path} (or choose UTF-8 in the editor's Save As).")


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a text file of unknown encoding: returns (text, encoding)."""
    path = Path(path)
    return decode_bytes(path.read_bytes(), path)


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside `path`; rename it onto `path` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_beside(path)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _create_beside(path: Path) -> Path:
    """A new empty file beside `path`, with the mode a plain open() gives (0666 less the umask).

    tempfile.mkstemp would make it 0600, so group members on a shared cluster could not read results.
    """
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")  # pragma: no cover


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically (newlines as given, never translated)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def write_json(path: str | Path, obj) -> None:
    """Write JSON atomically, human-readable and with non-ASCII kept as is."""
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")

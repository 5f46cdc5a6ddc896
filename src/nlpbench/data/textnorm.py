"""Unicode clean-up shared by lyrics and reviews.

Scraped and spreadsheet-exported text carries four kinds of damage that
change what a model sees without changing what a reader sees: Excel escapes
(`_x0085_`), raw C1 control characters, mojibake (UTF-8 read as Latin-1 or
cp1252), and invisible spaces. Each function fixes one and says whether it did.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_C1 = re.compile("[\u0080-\u009f]")
# Zero-width space/joiners, word joiner, BOM: invisible, but they split tokens.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_ODD_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# Control characters other than newline and tab.
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")


def _c1_to_cp1252(char: str) -> str:
    """U+0080..U+009F are cp1252 bytes that lost their meaning: restore it."""
    try:
        return bytes([ord(char)]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are unassigned
        return ""


def decode_excel_escapes(text: str) -> tuple[str, bool]:
    """`_x0085_` -> '…', `_x0093_`/`_x0094_` -> '“'/'”' (Excel's XML escapes)."""
    def repl(m: re.Match) -> str:
        code = int(m.group(1), 16)
        return _c1_to_cp1252(chr(code)) if 0x80 <= code <= 0x9F else chr(code)

    new = _EXCEL_ESCAPE.sub(repl, text)
    return new, new != text


def fix_c1_controls(text: str) -> tuple[str, bool]:
    """Raw C1 controls (U+0085 and friends) -> their cp1252 characters."""
    new = _C1.sub(lambda m: _c1_to_cp1252(m.group(0)), text)
    return new, new != text


def fix_mojibake(text: str) -> tuple[str, bool]:
    """'canciÃ³n' -> 'canción' (UTF-8 read as Latin-1/cp1252), via ftfy."""
    new = ftfy.fix_encoding(text)
    return new, new != text


def normalize_unicode(text: str) -> str:
    """NFC, odd spaces to ' ', invisible characters and control characters out.

    Newlines and tabs stay (tabs become spaces): line structure matters to lyrics.
    """
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACES.sub(" ", text).replace("\t", " ")
    return _CONTROL.sub("", text)


def strip_accents(text: str) -> str:
    """'canción' -> 'cancion'; ñ becomes n too (an explicit, opt-in choice)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                 if unicodedata.category(c) != "Mn"))


def repair(text: str) -> tuple[str, dict[str, bool]]:
    """All the repairs in the order that makes each one see clean input."""
    text, excel = decode_excel_escapes(text)
    text, c1 = fix_c1_controls(text)
    text, moji = fix_mojibake(text)
    return normalize_unicode(text), {"excel_escapes": excel, "c1_controls": c1,
                                     "mojibake": moji}

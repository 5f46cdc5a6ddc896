"""Song lyrics: find songs between markers, clean scraping noise, dedupe, split.

The corpus format is `<|startsong|>` newline, the song, newline `<|endsong|>`,
songs separated by a blank line. Raw files are hand-made or scraped from
Genius, so markers come misspelt and songs carry page furniture; every
repair is counted so `stats.json` says what was done to the data.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import textnorm
from .errors import InputError

log = logging.getLogger(__name__)

START, END = "<|startsong|>", "<|endsong|>"

# Any spelling of a marker: <|startsong|>, </startsong|>, <startsong|>,
# < |startsong| >, <|STARTSONG|>, <start_song>, <|endsong>, </endsong|> ...
_MARKER = re.compile(r"<\s*(/?)\s*\|?\s*(start|end)[\s_-]?song\s*\|?\s*/?\s*>", re.IGNORECASE)


@dataclass
class Parsed:
    songs: list[str]
    report: dict = field(default_factory=dict)


def parse_songs(text: str, source: str = "<text>") -> Parsed:
    """Split raw text into song bodies, tolerating marker variants.

    Files with end markers pair starts with ends (a `</startsong|>` inside an
    open song closes it, HTML-style). Files with start markers only are read
    either as pairs of two spellings (the seed README's `</startsong|>` ...
    `<startsong|>`) or, with one spelling, as separators.
    """
    marks = list(_MARKER.finditer(text))
    if not marks:
        raise InputError(source, "no song markers found (expected <|startsong|> ... <|endsong|>)",
                         "wrap each song as a line '<|startsong|>', the lyrics, and a line "
                         "'<|endsong|>'; see demo/data/canciones.txt for an example.")
    roles, mode = _roles(marks)
    songs, outside, counts = _walk(text, marks, roles, separators=(mode == "separator"))
    report = {
        "mode": mode,
        "marker_spellings": dict(Counter(m.group(0) for m in marks)),
        "noncanonical_markers": sum(m.group(0) not in (START, END) for m in marks),
        "songs_without_end_marker": counts["missing_end"],
        "stray_end_markers": counts["stray_end"],
        "chars_outside_songs": sum(len(t.strip()) for t in outside),
    }
    return Parsed(songs, report)


def _roles(marks: list[re.Match]) -> tuple[list[str], str]:
    kinds = [(m.group(2).lower(), bool(m.group(1))) for m in marks]
    if any(kind == "end" for kind, _ in kinds):
        return [("close" if kind == "end" else "toggle" if slash else "open")
                for kind, slash in kinds], "start-end"
    if len({slash for _, slash in kinds}) == 2:
        opener = kinds[0][1]  # the spelling that comes first opens a song
        return [("open" if slash == opener else "close") for _, slash in kinds], "paired-start-markers"
    return ["open"] * len(kinds), "separator"


def _walk(text, marks, roles, separators):
    songs, outside, counts = [], [], Counter()
    pos, open_at = 0, None
    for m, role in zip(marks, roles):
        if role == "toggle":
            role = "close" if open_at is not None else "open"
        if open_at is not None:
            songs.append(text[open_at:m.start()])
            counts["missing_end"] += role == "open" and not separators
        else:
            outside.append(text[pos:m.start()])
            counts["stray_end"] += role == "close"
        open_at = m.end() if role == "open" else None
        pos = m.end()
    if open_at is not None:
        songs.append(text[open_at:])
        counts["missing_end"] += not separators
    else:
        outside.append(text[pos:])
    return songs, outside, counts


# --- noise -----------------------------------------------------------------

_TAG_LINE = re.compile(r"^\s*\[[^\]\n]{1,80}\]\s*$")
_TAG_PREFIX = re.compile(r"^\s*\[[^\]\n]{1,80}\]\s*")
_YMAL = re.compile(r"^\s*You might also like\s*", re.IGNORECASE)
_TICKETS = re.compile(r"See [^\n]{1,80}? LiveGet tickets as low as \$\d+\s*", re.IGNORECASE)
_EMBED = re.compile(r"\s*\d*\s*Embed\s*$")
_NOTE_LINE = re.compile(r"^\s*\*[^*\n]{1,120}\*\s*$")
_NOTE_INLINE = re.compile(r"\s*\*[^*\n]{1,60}\*")
_LANGS = ("English|Español|Espanol|Português|Portugues|Français|Deutsch|Italiano|Türkçe|Polski|"
          "Nederlands|Svenska|Română|Русский|Українська|Ελληνικά|עברית|العربية|日本語|한국어|"
          "中文|简体中文|Magyar|Čeština|Srpski|Hrvatski|Català|Suomi|Dansk|Norsk|Romanization|"
          "Bahasa Indonesia|Tiếng Việt|Filipino|فارسی|हिन्दी|Slovenčina")
_HEADERS = {
    "contributors": re.compile(r"^\s*\d+\s*(Contributors?|Contribuidores?)", re.IGNORECASE),
    "translations": re.compile(rf"^\s*(Translations?|Traducciones|Traducción)\s*(({_LANGS})\s*)*$",
                               re.IGNORECASE),
    "languages": re.compile(rf"^\s*(({_LANGS})\s*)+$"),
    "letra_de": re.compile(r'^\s*Letra de\s*["“«].*$', re.IGNORECASE),
    "lyrics_title": re.compile(r"^.{0,120}\S\s*Lyrics\s*$"),
}
_HEADER_ZONE = 4  # page furniture only ever sits in a song's first lines


def _drop_header(lines: list[str], counts: Counter) -> list[str]:
    """Remove Genius/Letras page headers from the first non-blank lines."""
    kept, seen = [], 0
    for i, line in enumerate(lines):
        if not line.strip():
            kept.append(line)
            continue
        seen += 1
        hit = next((name for name, rx in _HEADERS.items() if rx.search(line)), None)
        if seen > _HEADER_ZONE or hit is None:
            return kept + lines[i:]
        counts[f"header_{hit}"] += 1
    return kept


def _clean_line(line: str, counts: Counter) -> str | None:
    """One lyric line without tags, ads and stage notes; None drops it."""
    if _TAG_LINE.match(line):
        counts["section_tags"] += 1
        return None
    if _NOTE_LINE.match(line):
        counts["stage_notes"] += 1
        return None
    for rx, name in ((_TAG_PREFIX, "section_tags"), (_YMAL, "you_might_also_like"),
                     (_TICKETS, "ticket_ads"), (_NOTE_INLINE, "stage_notes")):
        line, n = rx.subn("", line)
        if n:
            counts[name] += n
            if not line.strip():
                return None
    return re.sub(r" {2,}", " ", line).strip()


def _drop_embed_tail(lines: list[str], counts: Counter) -> list[str]:
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip():
            new = _EMBED.sub("", lines[i])
            if new != lines[i]:
                counts["embed_tails"] += 1
                lines[i] = new.rstrip()
            break
    return lines


def clean_song(raw: str, lowercase: bool = False) -> tuple[str, Counter]:
    """Cleaned song text and a count of each kind of noise removed."""
    counts = Counter()
    if "\r" in raw:
        counts["windows_line_endings"] += 1
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text, fixed = textnorm.repair(text)
    counts.update({f"fixed_{k}": 1 for k, v in fixed.items() if v})
    lines = _drop_embed_tail(_drop_header(text.split("\n"), counts), counts)
    kept = "\n".join(c for c in (_clean_line(line, counts) for line in lines) if c is not None)
    if runs := len(re.findall(r"\n{3,}", kept.strip("\n"))):
        counts["blank_line_runs"] += runs
    song = re.sub(r"\n{3,}", "\n\n", kept).strip("\n")
    return (song.lower() if lowercase else song), counts


# --- corpus ------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def format_corpus(songs: list[str]) -> str:
    """Songs in the canonical marker format, one blank line between songs."""
    return "\n\n".join(f"{START}\n{song}\n{END}" for song in songs) + "\n"


def read_corpus(text: str, source: str = "<text>") -> list[str]:
    """Songs of a corpus this module wrote (canonical markers)."""
    return [s.strip("\n") for s in parse_songs(text, source).songs]


def corpus_stats(songs: list[str]) -> dict:
    """Sizes a reader of the data section wants: songs, characters, words, vocabularies."""
    words = [w for s in songs for w in _WORD.findall(s)]
    return {
        "songs": len(songs),
        "chars": sum(len(s) for s in songs),
        "lines": sum(s.count("\n") + 1 for s in songs),
        "words": len(words),
        "char_vocab": len(set("".join(songs))),
        "word_vocab": len(set(words)),
    }


def clean_corpus(raw_text: str, source: str, lowercase: bool, min_chars: int) -> tuple[list[str], dict]:
    """Parse and clean every song; drop empty and too-short ones, counting why."""
    parsed = parse_songs(raw_text, source)
    songs, noise, dropped = [], Counter(), Counter()
    for body in parsed.songs:
        song, counts = clean_song(body, lowercase)
        noise.update(counts)
        if not song.strip():
            dropped["empty_after_cleaning"] += 1
        elif len(song) < min_chars:
            dropped[f"shorter_than_{min_chars}_chars"] += 1
        else:
            songs.append(song)
    if not songs:
        raise InputError(source, f"no song left after cleaning ({len(parsed.songs)} found, "
                         f"dropped: {dict(dropped)})",
                         "check the markers and lyrics.min_chars in the config.")
    report = {"songs_in": len(parsed.songs), "songs_out": len(songs), "dropped": dict(dropped),
              "markers": parsed.report, "noise_removed": {k: v for k, v in sorted(noise.items()) if v}}
    _warn_markers(source, parsed.report)
    return songs, report


def _warn_markers(source: str, report: dict) -> None:
    """What was tolerated goes to the log too, not only to stats.json."""
    odd = {k: v for k, v in report["marker_spellings"].items() if k not in (START, END)}
    if odd:
        log.warning("%s: accepted non-canonical song markers %s (read as %s)", source, odd, report["mode"])
    if report["songs_without_end_marker"]:
        log.warning("%s: %d song(s) had no end marker; each was closed at the next start marker",
                    source, report["songs_without_end_marker"])
    if report["chars_outside_songs"] or report["stray_end_markers"]:
        log.warning("%s: ignored %d character(s) of text outside any song and %d stray end marker(s)",
                    source, report["chars_outside_songs"], report["stray_end_markers"])


def dedup_key(song: str) -> str:
    """Equal for songs that differ only in case, punctuation and whitespace."""
    return " ".join(_WORD.findall(song.casefold().replace("_", " ")))


def dedupe(songs: list[str]) -> tuple[list[str], dict]:
    """Keep the first of each group of duplicates, so no song can sit in two splits."""
    groups: dict[str, list[int]] = {}
    for i, song in enumerate(songs):
        groups.setdefault(dedup_key(song), []).append(i)
    keep = sorted(idx[0] for idx in groups.values())
    dups = [idx for idx in groups.values() if len(idx) > 1]
    exact = sum(len({songs[i] for i in idx}) < len(idx) for idx in dups)
    return [songs[i] for i in keep], {"duplicate_groups": len(dups),
                                      "duplicate_groups_byte_identical": exact,
                                      "duplicates_removed": len(songs) - len(keep),
                                      "duplicate_indexes": dups[:50]}


def split_indexes(n: int, val: float, test: float, seed: int, source: str = "songs") -> dict[str, list[int]]:
    """A seeded split by item into train/val/test, each list in corpus order.

    Every held-out split gets at least one item when its fraction is positive.
    """
    n_val, n_test = max(1, round(n * val)), max(1, round(n * test))
    if n - n_val - n_test < 1:
        raise InputError(source, f"only {n} item(s): too few to split into train, val and test",
                         "add data, or lower the split fractions (lyrics.split / reviews.split).")
    order = np.random.default_rng(seed).permutation(n)
    parts = {"val": order[:n_val], "test": order[n_val:n_val + n_test], "train": order[n_val + n_test:]}
    return {name: sorted(int(i) for i in idx) for name, idx in parts.items()}

"""Song lyrics: find songs between markers, clean scraping noise, dedupe, split.

The corpus format is `<|startsong|>` newline, the song, newline `<|endsong|>`,
songs separated by a blank line. Raw files are hand-made or scraped from
Genius, so markers come misspelt and songs carry page furniture; every
repair is counted so `stats.json` says what was done to the data. The split
keeps near-duplicate songs (most lines shared) together, so none leaks across.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from nlpbench.core.errors import InputError
from nlpbench.data import textnorm

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


# --- near-duplicates ------------------------------------------------------------

_EPS = 1e-9  # float slack, so a Jaccard of exactly 7/10 passes a threshold of 0.7


def line_set(song: str) -> frozenset[str]:
    """A song's distinct lines, each normalised as `dedup_key` does; blank lines left out."""
    return frozenset(key for key in map(dedup_key, song.split("\n")) if key)


def near_duplicate_pairs(songs: list[str], threshold: float) -> list[tuple[int, int]]:
    """Pairs (i < j) whose line sets have a Jaccard similarity >= threshold, found exactly.

    Order and repetition of lines do not count, so a threshold of 1.0 links only
    songs with identical line sets (reordered stanzas, a chorus sung more or
    fewer times); songs with no non-blank line are never linked.

    An inverted index from line to songs keeps candidates to pairs that share a
    line; prefix filtering (AllPairs, Bayardo et al. 2007) keeps it exact and
    cheap: J >= t needs an overlap of at least ceil(t*|A|) lines, so two such
    songs share a line among the |A| - ceil(t*|A|) + 1 rarest lines of each.
    Only those "prefix" lines are indexed, and common lines ("oh oh oh", a
    chorus every cover repeats) sort last and are rarely indexed at all. Cost:
    O(total lines) to build, then the sum over prefix lines of their song
    counts for candidates, each verified by one set intersection: about 10 s
    for 100k songs of 20-45 lines with common lines in every song. It grows
    quadratically with the number of songs that really are similar, and with
    songs whose common lines outnumber a share 1 - t of their lines (those
    lines then enter the prefix), so very low thresholds cost more.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold {threshold} is not in (0, 1]")
    sets = [line_set(song) for song in songs]
    freq = Counter(line for lines in sets for line in lines)
    rank = {line: r for r, line in enumerate(sorted(freq, key=lambda line: (freq[line], line)))}
    prefixes = [sorted(lines, key=rank.__getitem__)[:_prefix_len(len(lines), threshold)] for lines in sets]
    index: dict[str, list[int]] = {}
    for i, prefix in enumerate(prefixes):
        for line in prefix:
            index.setdefault(line, []).append(i)
    pairs = []
    for i, prefix in enumerate(prefixes):
        candidates = {j for line in prefix for j in index[line] if j > i}
        pairs.extend((i, j) for j in sorted(candidates) if _jaccard_at_least(sets[i], sets[j], threshold))
    return pairs


def _prefix_len(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - _EPS) + 1 if size else 0


def _jaccard_at_least(a: frozenset, b: frozenset, threshold: float) -> bool:
    small, large = sorted((len(a), len(b)))
    if small < threshold * large - _EPS:  # J <= |small| / |large|: no intersection needed
        return False
    shared = len(a & b)
    return shared >= threshold * (len(a) + len(b) - shared) - _EPS


def connected_groups(n: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components of items 0..n-1 linked by pairs (union-find), singletons included.

    Each group is sorted, and groups come in the order of their first item, so
    the same links always give the same group ids.
    """
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving keeps the trees flat
            i = parent[i]
        return i

    for i, j in pairs:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def near_duplicate_groups(songs: list[str], threshold: float) -> list[list[int]]:
    """Songs linked, directly or through a chain, by a line-set Jaccard >= threshold."""
    return connected_groups(len(songs), near_duplicate_pairs(songs, threshold))


# --- split -------------------------------------------------------------------------

def split_indexes(n: int, val: float, test: float, seed: int, source: str = "songs",
                  groups: list[list[int]] | None = None) -> dict[str, list[int]]:
    """A seeded split of items 0..n-1 into val/test/train, each list in corpus order.

    With `groups` (a partition of 0..n-1, e.g. near-duplicate songs), whole groups
    are assigned: the groups are permuted, val takes groups until it holds at
    least its share of items, then test, and train the rest. Without groups each
    item is its own group, which gives the same split as grouping singletons, so
    a corpus without near-duplicates splits exactly as before grouping existed.
    Every held-out split gets at least one item when its fraction is positive.
    """
    n_val, n_test = max(1, round(n * val)), max(1, round(n * test))
    if n - n_val - n_test < 1:
        raise InputError(source, f"only {n} item(s): too few to split into train, val and test",
                         "add data, or lower the split fractions (lyrics.split / reviews.split).")
    groups = _partition(n, groups)
    parts: dict[str, list[int]] = {"val": [], "test": [], "train": []}
    for g in np.random.default_rng(seed).permutation(len(groups)):
        name = "val" if len(parts["val"]) < n_val else "test" if len(parts["test"]) < n_test else "train"
        parts[name].extend(groups[g])
    if not all(parts.values()):
        raise InputError(source, f"{n} item(s) fall into {len(groups)} group(s) of near-duplicates, and "
                         "whole groups leave no item for "
                         + " or ".join(k for k, v in parts.items() if not v),
                         "add data, lower the split fractions (lyrics.split), or raise the "
                         "near-duplicate threshold (lyrics.near_duplicate_jaccard) so fewer songs are grouped.")
    _warn_overshoot(source, parts, {"val": n_val, "test": n_test})
    return {name: sorted(int(i) for i in idx) for name, idx in parts.items()}


def _partition(n: int, groups: list[list[int]] | None) -> list[list[int]]:
    """Groups in a canonical order (by first item), checked to cover 0..n-1 once."""
    if groups is None:
        return [[i] for i in range(n)]
    groups = sorted((sorted(g) for g in groups), key=lambda g: g[0] if g else -1)
    if sorted(i for g in groups for i in g) != list(range(n)) or not all(groups):
        raise ValueError(f"groups must partition 0..{n - 1} into non-empty groups")
    return groups


def _warn_overshoot(source: str, parts: dict, targets: dict) -> None:
    """A large group can push a held-out split well past its share; say so."""
    for name, target in targets.items():
        if len(parts[name]) > target + max(1, target // 10):
            log.warning("%s: %s holds %d items for a target of %d, as near-duplicate groups move whole",
                        source, name, len(parts[name]), target)


def near_duplicate_report(songs: list[str], pairs: list[tuple[int, int]], groups: list[list[int]],
                          threshold: float, ungrouped: dict[str, list[int]]) -> dict:
    """What grouping found, and what the split without it would have leaked (for split_stats.json).

    `ungrouped` is the split the same seed gives without groups: the pairs it
    puts in different splits are the leaks that grouping prevented.
    """
    multi = sorted((g for g in groups if len(g) > 1), key=lambda g: (-len(g), g[0]))
    where = {i: name for name, idx in ungrouped.items() for i in idx}
    crossing = [(i, j) for i, j in pairs if where[i] != where[j]]
    leaked = {a for i, j in crossing for a, b in ((i, j), (j, i)) if where[a] == "test" and where[b] == "train"}
    return {"jaccard_threshold": threshold, "pairs": len(pairs), "groups": len(multi),
            "songs_in_groups": sum(map(len, multi)), "largest_group": max(map(len, groups), default=0),
            "examples": [{"size": len(g), "songs": g[:10], "first_lines": [_first_line(songs[i]) for i in g[:10]]}
                         for g in multi[:20]],
            "pairs_crossing_splits_if_ungrouped": len(crossing),
            "test_songs_with_train_neighbour_if_ungrouped": len(leaked)}


def _first_line(song: str) -> str:
    return song.split("\n", 1)[0][:60]

#!/usr/bin/env python3
"""Write the demo inputs: noisy song lyrics and Spanish reviews.

Outputs (byte-identical on every run; Python standard library only):

* demo/data/canciones.txt -- 40 song blocks of Spanish lyrics in the
  `<|startsong|>` ... `<|endsong|>` format, with Genius-scrape noise injected
  at fixed places (see NOISE_PLAN).
* demo/data/reviews.csv -- 400 reviews in the MeIA 2025 columns
  (Review,Polarity,Town,Region,Type), classes 1..5 with 60/70/80/90/100 rows,
  plus 4 bad rows (empty or whitespace-only Review), shuffled.

All text is written from the phrase banks in demo/phrase_banks.json. Usage:

    python3 demo/make_demo_data.py [--out demo/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

SEED = 2025
OUT_DIR = Path(__file__).resolve().parent / "data"
BANKS_FILE = Path(__file__).resolve().with_name("phrase_banks.json")
BANK_NAMES = ("themes", "hooks", "places", "slots", "openers", "neutral", "stories", "mixed",
              "quotes", "class")


def load_banks(path: Path) -> dict:
    """The phrase banks; a missing bank is named here rather than as a KeyError later."""
    banks = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in BANK_NAMES if name not in banks]
    if missing:
        raise SystemExit(f"{path}: missing phrase bank(s): {', '.join(missing)}")
    return banks


BANKS = load_banks(BANKS_FILE)

# --- songs: phrase banks and noise plan ---------------------------------------------

THEMES = BANKS["themes"]  # theme -> lyric lines; file order drives the random draws
HOOKS = [tuple(h) for h in BANKS["hooks"]]  # (theme, title, hook line) per original song

# Song blocks are numbered 0..39 in file order (every start marker counts, duplicates and
# the empty song included). SPECIAL_BLOCKS are not built from a hook, JUNK_AFTER puts junk
# lines outside songs, NOISE_PLAN gives every other block its noise, and SONG_CHECKS fails
# the run if a promised kind of noise went missing.
TOTAL_SONG_BLOCKS = 40
SHORT_SONG = ["Ay, qué calor", "ven conmigo a bailar"]
NOISE_ONLY_SONG = ["[Coro]", "You might also like", "*aplausos*", "Embed"]
JUNK_AFTER = {
    15: ["Más canciones en www.ejemplo.com", "Compartir en Facebook | Twitter | WhatsApp",
         "Publicidad"],
    28: ["Sigue leyendo: las 10 baladas más escuchadas del año", "© Letras Ejemplo 2024"],
}
SPECIAL_BLOCKS = {20: "short", 27: "noise_only", 33: ("exact_copy", 3), 38: ("normalised_copy", 8)}

# Noise per original block; {} is a clean song. Keys: tags (a tag line per stanza),
# inline_tag (tag opening the chorus' first line), header (lines before the lyrics, {title}
# filled in), ymal / ymal_glued ("You might also like" as a line / glued to a lyric), embed
# (tail of the last lyric), stage_line / stage_inline (*note* as a line / inside a lyric),
# trailing_ws (suffixes of lyric lines 2, 5, ...), nbsp / zwsp / stray_cr (one each on a
# lyric line), blank_run (blank lines between stanzas 1 and 2), mojibake (one verse as
# cp1252-read UTF-8), eol (line ending), open / close (marker variants).
NOISE_PLAN = {
    0: {},
    1: {"tags": ["[Verso 1]", "[Coro]", "[Verso 2]"]},
    2: {"ymal": True, "embed": "123Embed"},
    3: {"header": ['Letra de "{title}"']},
    4: {"tags": ["[Verso 1]", "[Coro]", "[Puente]", "[Outro]"], "stage_line": "*risas*",
        "trailing_ws": ["  ", "   "]},
    5: {"open": "<startsong|>"},
    6: {"inline_tag": "[Coro]", "stage_line": "*suena la guitarra*"},
    7: {"tags": ["[Verso 1]", "[Pre-Coro]", "[Coro]", "[Verso 2]"], "eol": "\r\n",
        "close": "<|endsong>"},
    8: {},
    9: {"header": ["{title} Lyrics"], "ymal_glued": True, "stage_inline": "*susurra*"},
    10: {"tags": ["[Verso 1]", "[Chorus: Marisol Vega]", "[Puente]", "[Outro]"],
         "open": "<|startsong>", "nbsp": True},
    11: {"header": ['Letra de "{title}" ft. Lucía Mar'], "ymal": True, "blank_run": 3},
    12: {"embed": "2Embed", "zwsp": True, "close": "</endsong|>"},
    13: {"tags": ["[Pre-Coro]", "[Coro]", "[Verso 2]", "[Puente]"],
         "header": ["12 ContributorsTranslationsEnglish{title} Lyrics"], "trailing_ws": ["\t"]},
    14: {"mojibake": True, "eol": "\r\n", "embed": " Embed"},
    15: {"header": ["3 Contributors", "Traducciones", "EnglishPortuguês"]},
    16: {"open": "< |startsong| >", "inline_tag": "[Coro]"},
    17: {"header": ['Letra de "{title}"'], "stage_line": "*risas*"},
    18: {"mojibake": True, "blank_run": 5},
    19: {"tags": ["[Verso 1]", "[Chorus: Los Faros del Sur]", "[Verso 2]"], "stray_cr": True,
         "close": "<|ENDSONG|>"},
    21: {"header": ["{title} Lyrics"], "stage_line": "*suena la guitarra*", "nbsp": True},
    22: {"ymal": True, "open": "<|STARTSONG|>"},
    23: {"eol": "\r\n", "embed": " Embed"},
    24: {"mojibake": True, "ymal_glued": True, "open": "<startsong|>"},
    25: {"header": ['Letra de "{title}" ft. Grupo Brisa'], "trailing_ws": [" ", "    "],
         "close": "<|endsong>"},
    26: {"header": ["Translations"], "stage_inline": "*suspira*", "zwsp": True},
    28: {"open": "</startsong|>"},
    29: {"header": ["4 ContributorsTranslationsPortuguês{title} Lyrics"], "blank_run": 4,
         "embed": "Embed"},
    30: {"header": ["3 Contributors", "Translations", "EnglishPortuguês", "{title} Lyrics"],
         "eol": "\r\n"},
    31: {"open": "<|startsong>", "embed": "45Embed"},
    32: {"mojibake": True, "close": "</endsong|>"},
    34: {"open": "< |startsong| >", "stray_cr": True},
    35: {"header": ["Traducciones"], "close": "<|ENDSONG|>"},
    36: {"open": "<|STARTSONG|>"},
    37: {},
    39: {"open": "</startsong|>"},
}

START, END = "<|startsong|>", "<|endsong|>"


# --- songs: content -------------------------------------------------------------

def stanza_kinds(rng: random.Random, tags: list[str] | None) -> list[str]:
    """'V' (verse) / 'C' (chorus) per stanza; tagged songs follow their tags."""
    if tags:
        return ["C" if t in ("[Coro]", "[Outro]") or t.startswith("[Chorus") else "V"
                for t in tags]
    return rng.choice([["V", "C"], ["V", "C", "V"], ["V", "V", "C"], ["V", "C", "V", "C"]])


def compose_song(rng: random.Random, theme: str, hook: str, kinds: list[str]) -> list[list[str]]:
    """Stanzas of lyric lines: verses from two themes, a chorus built on the hook."""
    others = [t for t in THEMES if t != theme]
    primary = rng.sample(THEMES[theme], len(THEMES[theme]))
    secondary = rng.sample(THEMES[rng.choice(others)], len(THEMES[theme]))
    chorus = [hook, primary.pop(), primary.pop(), hook]
    stanzas = []
    for kind in kinds:
        if kind == "C":
            stanzas.append(list(chorus))
            continue
        size = rng.randint(4, 6) if len(kinds) == 2 else rng.randint(4, 5)
        pools = [primary, primary, secondary]
        stanzas.append([(rng.choice(pools) or primary or secondary).pop() for _ in range(size)])
    return stanzas


def mojibake(line: str) -> str:
    """UTF-8 bytes read as cp1252: 'canción' -> 'canciÃ³n' (unchanged if impossible)."""
    try:
        return line.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return line


def apply_stanza_noise(stanzas: list[list[str]], kinds: list[str], plan: dict) -> list[list[str]]:
    """Noise that depends on the stanza structure: mojibake, tags."""
    if plan.get("mojibake"):
        accented = [sum(not line.isascii() for line in s) if kinds[i] == "V" else 0
                    for i, s in enumerate(stanzas)]
        target = accented.index(max(accented))  # the verse with most accented lines
        stanzas[target] = [mojibake(line) for line in stanzas[target]]
        rest = [line for i, s in enumerate(stanzas) if i != target for line in s]
        if not any(not line.isascii() for line in rest):
            raise SystemExit("mojibake song has no accented line left")
    if plan.get("inline_tag"):
        chorus = stanzas[kinds.index("C")]
        chorus[0] = f"{plan['inline_tag']} {chorus[0][0].lower()}{chorus[0][1:]}"
    if plan.get("tags"):
        stanzas = [[tag] + s for tag, s in zip(plan["tags"], stanzas)]
    return stanzas


def flatten(stanzas: list[list[str]]) -> list[str]:
    lines = []
    for i, stanza in enumerate(stanzas):
        if i:
            lines.append("")
        lines.extend(stanza)
    return lines


def lyric_indexes(lines: list[str]) -> list[int]:
    """Indexes of real lyric lines (not blank, not a tag)."""
    return [i for i, line in enumerate(lines) if line.strip() and not line.startswith("[")]


def insert_after_word(line: str, word: int, text: str) -> str:
    words = line.split(" ")
    return " ".join(words[:word] + [text] + words[word:])


def apply_line_noise(lines: list[str], plan: dict) -> list[str]:
    """Noise placed on individual lines of the flattened song."""
    lines = list(lines)
    second = lines.index("") + 1  # first line of the second stanza
    if plan.get("ymal_glued"):
        lines[second] = "You might also like" + lines[second]
    if plan.get("ymal"):
        lines.insert(second, "You might also like")
    if plan.get("blank_run"):
        lines[second - 1:second] = [""] * plan["blank_run"]
    lyr = lyric_indexes(lines)
    if plan.get("stage_inline"):
        lines[lyr[-2]] = insert_after_word(lines[lyr[-2]], 2, plan["stage_inline"])
    for i, suffix in enumerate(plan.get("trailing_ws", [])):
        lines[lyr[1 + 3 * i]] += suffix
    if plan.get("nbsp"):
        lines[lyr[2]] = lines[lyr[2]].replace(" ", "\u00a0", 1) + "\u00a0"
    if plan.get("zwsp"):
        lines[lyr[3]] = insert_after_word(lines[lyr[3]], 1, "\u200b").replace(" \u200b ", " \u200b")
    if plan.get("stray_cr"):
        lines[lyr[4]] += "\r"
    if plan.get("embed"):
        lines[lyr[-1]] += plan["embed"]
    if plan.get("stage_line"):
        lines.insert(lyr[1] + 1, plan["stage_line"])
    return lines


def render_block(lines: list[str], plan: dict) -> str:
    """One song block, markers included, with its own line ending."""
    eol = plan.get("eol", "\n")
    body = [plan.get("open", START)] + lines + [plan.get("close", END)]
    return eol.join(body) + eol


def build_original(rng: random.Random, ordinal: int, plan: dict) -> str:
    theme, title, hook = HOOKS[ordinal]
    kinds = stanza_kinds(rng, plan.get("tags"))
    stanzas = apply_stanza_noise(compose_song(rng, theme, hook, kinds), kinds, plan)
    lines = apply_line_noise(flatten(stanzas), plan)
    header = [h.format(title=title) for h in plan.get("header", [])]
    return render_block(header + lines, plan)


def normalised_copy(block: str) -> str:
    """Same song in lower case, without punctuation, with one doubled space."""
    lines = block.split("\n")
    out = [re.sub(r"[,.;:¡!¿?]", "", line.lower()) for line in lines]
    target = next(i for i, line in enumerate(out) if line.count(" ") >= 2 and "<" not in line)
    out[target] = out[target].replace(" ", "  ", 1)
    return "\n".join(out)


# --- songs: file ----------------------------------------------------------------

def build_song_blocks(seed: int) -> list[str]:
    """The 40 song blocks in file order."""
    blocks, ordinal = [], 0
    for index in range(TOTAL_SONG_BLOCKS):
        special = SPECIAL_BLOCKS.get(index)
        if special == "short":
            blocks.append(render_block(SHORT_SONG, {}))
        elif special == "noise_only":
            blocks.append(render_block(NOISE_ONLY_SONG, {}))
        elif isinstance(special, tuple) and special[0] == "exact_copy":
            blocks.append(blocks[special[1]])
        elif isinstance(special, tuple):
            blocks.append(normalised_copy(blocks[special[1]]))
        else:
            rng = random.Random(seed * 1000 + ordinal)
            blocks.append(build_original(rng, ordinal, NOISE_PLAN[index]))
            ordinal += 1
    if ordinal != len(HOOKS):
        raise SystemExit(f"used {ordinal} hooks, have {len(HOOKS)}")
    return blocks


def songs_text(blocks: list[str]) -> str:
    """Blocks separated by a blank line (in the block's own line ending), junk included."""
    parts = []
    for index, block in enumerate(blocks):
        eol = "\r\n" if block.endswith("\r\n") else "\n"
        parts.append(block + (eol if index < len(blocks) - 1 else ""))
        if index in JUNK_AFTER:
            parts.append("\n".join(JUNK_AFTER[index]) + "\n\n")
    return "".join(parts)


SONG_CHECKS = [  # (name, regex over the decoded file, minimum matches)
    *[(f"tag line {t}", rf"^{re.escape(t)}\r?$", 2) for t in
      ("[Coro]", "[Verso 1]", "[Verso 2]", "[Pre-Coro]", "[Puente]", "[Outro]")],
    ("tag line [Chorus: ...]", r"^\[Chorus: [^\]]+\]\r?$", 2),
    ("tag at line start", r"^\[Coro\] \w", 2),
    ("You might also like line", r"^You might also like\r?$", 2),
    ("You might also like glued", r"^You might also like\w", 2),
    ("digits+Embed tail", r"\w\d+Embed\r?$", 2),
    ("space Embed tail", r"\w Embed\r?$", 2),
    ('Letra de "..."', r'^Letra de "[^"]+"\r?$', 2),
    ('Letra de "..." ft.', r'^Letra de "[^"]+" ft\. ', 2),
    ("Title Lyrics", r"^\w.* Lyrics\r?$", 2),
    ("N ContributorsTranslations...", r"^\d+ ContributorsTranslations", 2),
    ("3 Contributors", r"^3 Contributors\r?$", 2),
    ("Translations", r"^Translations\r?$", 2),
    ("Traducciones", r"^Traducciones\r?$", 2),
    ("EnglishPortuguês", r"^EnglishPortuguês\r?$", 2),
    ("*risas*", r"^\*risas\*\r?$", 2),
    ("*suena la guitarra*", r"^\*suena la guitarra\*\r?$", 2),
    ("inline stage note", r"\w \*\w+\* \w", 2),
    ("CRLF line", r"\r\n", 2),
    ("stray CR in LF song", r"[^\n]\r\n(?!\r)[^\r\n]*\n", 2),
    ("run of blank lines", r"\n\n\n\n", 2),
    ("trailing whitespace", r"\S[ \t]+\r?$", 2),
    ("no-break space", "\u00a0", 2),
    ("zero-width space", "\u200b", 2),
    ("mojibake", r"Ã[³±¡©­º]", 3),
    *[(f"marker {m}", rf"^{re.escape(m)}\r?$", 2) for m in
      ("<startsong|>", "<|startsong>", "< |startsong| >", "<|STARTSONG|>", "</startsong|>",
       "<|endsong>", "</endsong|>", "<|ENDSONG|>")],
    ("junk outside songs", r"^Más canciones en www\.ejemplo\.com$", 1),
]


def check_songs(text: str) -> None:
    """Fail loudly if a promised kind of noise is missing."""
    starts = len(re.findall(r"^<\s*/?\s*\|?\s*startsong\s*\|?\s*>\r?$", text, re.M | re.I))
    if starts != TOTAL_SONG_BLOCKS:
        raise SystemExit(f"expected {TOTAL_SONG_BLOCKS} song blocks, found {starts}")
    for name, rx, least in SONG_CHECKS:
        found = len(re.findall(rx, text, re.M))
        if found < least:
            raise SystemExit(f"noise check failed: {name}: {found} < {least}")


def write_songs(path: Path, seed: int) -> int:
    blocks = build_song_blocks(seed)
    text = songs_text(blocks)
    check_songs(text)
    path.write_bytes(text.encode("utf-8"))
    return len(blocks)


# --- reviews: phrase banks ----------------------------------------------------------

# (Town, Region) spelt as in MeIA_2025_train.csv, the name used in text, and a sight.
PLACES = [tuple(p) for p in BANKS["places"]]
SLOTS = BANKS["slots"]  # {slot} fillers for the templates below
# Templates by Type: trip openers, neutral facts, long neutral narration (so some reviews
# run to several hundred characters), sentences of mixed feeling.
OPENERS, NEUTRAL, STORIES, MIXED = (BANKS[k] for k in ("openers", "neutral", "stories", "mixed"))
# Mood -> Type -> a sentence with a quoted phrase ({q1}...{q2} become "..." or
# _x0093_..._x0094_).
QUOTES = BANKS["quotes"]
# Score -> Type, "any" or "closing" -> sentences that sound like that score.
CLASS = {int(score): bank for score, bank in BANKS["class"].items()}

CLASS_SIZES = {1: 60, 2: 70, 3: 80, 4: 90, 5: 100}
TYPES = ("Hotel", "Restaurant", "Attractive")
QUOTE_MOOD = {1: "neg", 2: "neg", 3: "mid", 4: "pos", 5: "pos"}

# Optional parts of a review and their weights; mixed sentences are likelier mid-scale.
PART_ORDER = ("opener", "story", "neutral", "core", "core2", "mixed", "adjacent", "quote",
              "closing")
CORE_FROM_NEIGHBOUR = 0.15  # share of main sentences taken from an adjacent score
BAD_ROWS = [(1, " "), (2, ""), (3, "  \t "), (5, " \n ")]  # (class, Review)
REVIEW_NOISE = {"x0085": 8, "x0093": 7, "mojibake": 5, "newline": 10, "tab": 1, "bell": 1}


# --- reviews: generation ----------------------------------------------------------

def fill(rng: random.Random, template: str, place: tuple) -> str:
    values = {k: rng.choice(v) for k, v in SLOTS.items()}
    values["Dish"] = values["dish"][0].upper() + values["dish"][1:]
    values.update(town=place[2], place=place[3], Place=place[3][0].upper() + place[3][1:],
                  q1='"', q2='"')
    return template.format(**values)


def part_weights(polarity: int) -> dict[str, int]:
    mixed = 3 if polarity in (2, 3, 4) else 1
    return {"opener": 2, "story": 2, "neutral": 3, "core2": 3, "mixed": mixed, "adjacent": 3,
            "quote": 1, "closing": 3}


def pick_parts(rng: random.Random, polarity: int, count: int) -> list[str]:
    """'core' plus count-1 other parts, in reading order."""
    weights = part_weights(polarity)
    chosen = {"core"}
    while len(chosen) < count:
        names = [n for n in weights if n not in chosen]
        chosen.add(rng.choices(names, [weights[n] for n in names])[0])
    return [p for p in PART_ORDER if p in chosen]


def neighbour(rng: random.Random, polarity: int) -> int:
    return rng.choice([p for p in (polarity - 1, polarity + 1) if p in CLASS])


def sentence(rng: random.Random, part: str, polarity: int, kind: str, place: tuple) -> str:
    bank = CLASS[polarity]
    if part == "opener":
        template = rng.choice(OPENERS[kind])
    elif part == "story":
        template = rng.choice(STORIES[kind])
    elif part == "neutral":
        template = rng.choice(NEUTRAL[kind])
    elif part == "core":  # now and then a reviewer sounds like the neighbouring score
        near = polarity if rng.random() > CORE_FROM_NEIGHBOUR else neighbour(rng, polarity)
        template = rng.choice(CLASS[near][kind])
    elif part == "core2":
        template = rng.choice(bank[kind] + bank["any"])
    elif part == "mixed":
        template = rng.choice(MIXED[kind])
    elif part == "adjacent":
        near = neighbour(rng, polarity)
        template = rng.choice(CLASS[near][kind] + CLASS[near]["any"])
    elif part == "quote":
        template = QUOTES[QUOTE_MOOD[polarity]][kind]
    else:
        template = rng.choice(bank["closing"])
    return fill(rng, template, place)


def compose_review(rng: random.Random, polarity: int, kind: str, place: tuple) -> str:
    count = rng.choice([1, 2, 2, 3, 3, 3, 4, 4])
    parts = pick_parts(rng, polarity, count)
    sentences = []
    for part in parts:
        text = sentence(rng, part, polarity, kind, place)
        if part == "core2" and text == sentences[-1]:
            continue
        sentences.append(text)
    return " ".join(sentences)


def type_quota(size: int) -> list[str]:
    hotels = round(size * 0.4)
    restaurants = (size - hotels) // 2
    return ["Hotel"] * hotels + ["Restaurant"] * restaurants + \
        ["Attractive"] * (size - hotels - restaurants)


def clean_reviews(rng: random.Random) -> list[list]:
    """[review, polarity, place, type] rows, distinct texts of 60..600 characters."""
    rows, seen = [], set()
    for polarity, size in CLASS_SIZES.items():
        for kind in type_quota(size):
            place = rng.choice(PLACES)
            while True:
                text = compose_review(rng, polarity, kind, place)
                if 60 <= len(text) <= 600 and text not in seen:
                    break
            seen.add(text)
            rows.append([text, polarity, place, kind])
    return rows


# --- reviews: noise ----------------------------------------------------------------

def excel_ellipsis(rng: random.Random, text: str) -> str:
    """Cut the last sentence mid-way and end with `_x0085_`, like a truncated export."""
    words = text.split(" ")
    keep = max(10, len(words) - rng.randint(2, 5))
    return " ".join(words[:keep]).rstrip(".,;:") + "_x0085_"


def excel_quotes(text: str) -> str:
    """'dijo "ya casi sale" y' -> 'dijo _x0093_ya casi sale_x0094_ y'."""
    return re.sub(r'"([^"]*)"', r"_x0093_\1_x0094_", text)


def embedded_newline(rng: random.Random, text: str) -> str:
    cuts = [m.end() for m in re.finditer(r"[.!?] ", text)]
    cut = rng.choice(cuts)
    return text[:cut - 1] + rng.choice(["\n", "\n", "\n\n"]) + text[cut:]


def control_char(text: str, char: str) -> str:
    cut = text.index(" ", len(text) // 2)
    return text[:cut] + (char if char == "\t" else " " + char) + text[cut + 1:]


NOISE_ELIGIBLE = {
    "x0085": lambda t: len(t.split(" ")) >= 14 and len(t) >= 100,
    "x0093": lambda t: '"' in t,
    "mojibake": lambda t: not t.isascii() and t.encode("utf-8").decode("cp1252", "replace")
    .find("\ufffd") < 0,
    "newline": lambda t: re.search(r"[.!?] ", t) is not None,
    "tab": lambda t: True,
    "bell": lambda t: True,
}


def add_review_noise(rng: random.Random, rows: list[list]) -> dict[str, list[int]]:
    """Damage a few reviews in place (each at most once); returns kind -> row indexes."""
    free = set(range(len(rows)))
    chosen = {}
    for kind, count in REVIEW_NOISE.items():
        pool = sorted(i for i in free if NOISE_ELIGIBLE[kind](rows[i][0]))
        chosen[kind] = rng.sample(pool, count)
        free -= set(chosen[kind])
        for i in chosen[kind]:
            text = rows[i][0]
            if kind == "x0085":
                text = excel_ellipsis(rng, text)
            elif kind == "x0093":
                text = excel_quotes(text)
            elif kind == "mojibake":
                text = mojibake(text)
            elif kind == "newline":
                text = embedded_newline(rng, text)
            else:
                text = control_char(text, "\t" if kind == "tab" else "\x07")
            rows[i][0] = text
    return chosen


def write_reviews(path: Path, seed: int) -> dict[int, int]:
    rng = random.Random(seed)
    rows = clean_reviews(rng)
    add_review_noise(rng, rows)
    for polarity, text in BAD_ROWS:
        rows.append([text, polarity, rng.choice(PLACES), rng.choice(TYPES)])
    rng.shuffle(rows)
    if len({r[0] for r in rows}) != len(rows):
        raise SystemExit("reviews are not distinct")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(["Review", "Polarity", "Town", "Region", "Type"])
        for text, polarity, place, kind in rows:
            writer.writerow([text, f"{polarity:.1f}", place[0], place[1], kind])
    counts = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: demo/data)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    n_songs = write_songs(args.out / "canciones.txt", SEED)
    per_class = write_reviews(args.out / "reviews.csv", SEED)
    bad = {p: 1 for p, _ in BAD_ROWS}
    print(f"canciones.txt: {n_songs} song blocks (36 songs + short + noise-only + 2 duplicates)")
    print("reviews.csv: rows per class (incl. 1 bad row in classes "
          f"{', '.join(map(str, bad))}): {per_class}, total {sum(per_class.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

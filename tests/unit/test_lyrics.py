import itertools
import random

import numpy as np
import pytest

from nlpbench.core.errors import InputError
from nlpbench.data import lyrics


def song(body: str, start: str = "<|startsong|>", end: str = "<|endsong|>") -> str:
    return f"{start}\n{body}\n{end}\n\n"


# --- markers -------------------------------------------------------------------

@pytest.mark.parametrize("start", ["<|startsong|>", "</startsong|>", "<startsong|>", "<|startsong>",
                                   "< |startsong| >", "<|STARTSONG|>", "<start_song>", "<|start song|>"])
@pytest.mark.parametrize("end", ["<|endsong|>", "<|endsong>", "</endsong|>", "<|ENDSONG|>", "<endsong>"])
def test_every_marker_variant_is_accepted_and_reported(start, end):
    parsed = lyrics.parse_songs(song("uno", start, end) + song("dos"))
    assert [s.strip() for s in parsed.songs] == ["uno", "dos"]
    assert parsed.report["marker_spellings"].get(start, 0) >= 1
    assert parsed.report["noncanonical_markers"] == (start != "<|startsong|>") + (end != "<|endsong|>")


def test_seed_readme_convention_of_two_start_spellings_pairs_them():
    text = "</startsong|>\nuno\n<startsong|>\n\n</startsong|>\ndos\n<startsong|>\n"
    parsed = lyrics.parse_songs(text)
    assert parsed.report["mode"] == "paired-start-markers"
    assert [s.strip() for s in parsed.songs] == ["uno", "dos"]


def test_start_markers_alone_act_as_separators():
    parsed = lyrics.parse_songs("<|startsong|>\nuno\n<|startsong|>\ndos\n")
    assert parsed.report["mode"] == "separator"
    assert [s.strip() for s in parsed.songs] == ["uno", "dos"]
    assert parsed.report["songs_without_end_marker"] == 0


def test_missing_end_marker_closes_at_next_start_and_is_counted():
    parsed = lyrics.parse_songs("<|startsong|>\nuno\n<|startsong|>\ndos\n<|endsong|>\n")
    assert [s.strip() for s in parsed.songs] == ["uno", "dos"]
    assert parsed.report["songs_without_end_marker"] == 1


def test_html_style_close_inside_open_song():
    parsed = lyrics.parse_songs("<|startsong|>\nuno\n</startsong|>\n<|startsong|>\ndos\n<|endsong|>")
    assert [s.strip() for s in parsed.songs] == ["uno", "dos"]


def test_text_outside_songs_and_stray_end_markers_are_counted_not_kept():
    parsed = lyrics.parse_songs("basura\n" + song("uno") + "<|endsong|>\nmás basura\n")
    assert [s.strip() for s in parsed.songs] == ["uno"]
    assert parsed.report["stray_end_markers"] == 1
    assert parsed.report["chars_outside_songs"] == len("basura") + len("más basura")


def test_no_markers_at_all_is_a_clear_error_naming_the_file():
    with pytest.raises(InputError) as err:
        lyrics.parse_songs("solo letra\nsin marcas\n", "data/canciones.txt")
    msg = str(err.value)
    assert "data/canciones.txt" in msg and "no song markers" in msg and "<|startsong|>" in msg


# --- noise -----------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected,kind", [
    ("[Coro]\nla noche", "la noche", "section_tags"),
    ("[Verso 1]\nla noche", "la noche", "section_tags"),
    ("[Chorus: Bad Bunny & Otro]\nla noche", "la noche", "section_tags"),
    ("[Pre-Coro] la noche", "la noche", "section_tags"),
    ("la noche\nYou might also like\nel día", "la noche\nel día", "you_might_also_like"),
    ("la noche\nYou might also likeEl día", "la noche\nEl día", "you_might_also_like"),
    ("la noche\nfin del mar123Embed", "la noche\nfin del mar", "embed_tails"),
    ("la noche\nfin del mar Embed", "la noche\nfin del mar", "embed_tails"),
    ("la noche\nfin del marEmbed", "la noche\nfin del mar", "embed_tails"),
    ("la noche\n*risas*\nel día", "la noche\nel día", "stage_notes"),
    ("te quiero *susurra* mi amor", "te quiero mi amor", "stage_notes"),
    ('Letra de "La Noche"\nla noche', "la noche", "header_letra_de"),
    ('Letra de "La Noche" ft. Otro\nla noche', "la noche", "header_letra_de"),
    ("La Noche Lyrics\nla noche", "la noche", "header_lyrics_title"),
    ("12 ContributorsTranslationsEnglishLa Noche Lyrics\nla noche", "la noche", "header_contributors"),
    ("3 Contributors\nla noche", "la noche", "header_contributors"),
    ("Translations\nEnglishPortuguês\nla noche", "la noche", "header_translations"),
    ("Traducciones\nla noche", "la noche", "header_translations"),
    ("la noche\nSee Artist LiveGet tickets as low as $45\nel día", "la noche\nel día", "ticket_ads"),
    ("la noche\r\nel día\r\n", "la noche\nel día", "windows_line_endings"),
    ("la noche\n\n\n\n\nel día", "la noche\n\nel día", "blank_line_runs"),
    ("la canciÃ³n del corazÃ³n", "la canción del corazón", "fixed_mojibake"),
])
def test_each_kind_of_noise_is_removed_and_counted(raw, expected, kind):
    cleaned, counts = lyrics.clean_song(raw)
    assert cleaned == expected
    assert counts[kind] >= 1


def test_cleaning_keeps_stanza_breaks_and_lyrics_that_look_like_noise_elsewhere():
    raw = "primera línea  \nsegunda\u00a0línea\n\ntercera\u200b línea\nme dijo Lyrics al final"
    cleaned, _ = lyrics.clean_song(raw)
    # the 'Lyrics' line is not in the header zone (it follows lyrics), so it stays
    assert cleaned == "primera línea\nsegunda línea\n\ntercera línea\nme dijo Lyrics al final"


def test_embed_is_only_stripped_from_the_last_line():
    cleaned, _ = lyrics.clean_song("Embed en medio\nfin")
    assert cleaned == "Embed en medio\nfin"


def test_lowercase_option():
    assert lyrics.clean_song("La NOCHE", lowercase=True)[0] == "la noche"
    assert lyrics.clean_song("La NOCHE")[0] == "La NOCHE"


def test_clean_corpus_drops_empty_and_short_songs_with_reasons():
    raw = song("[Coro]\nYou might also like\n*aplausos*\nEmbed") + song("corta") + song("una canción larga " * 5)
    songs, report = lyrics.clean_corpus(raw, "x.txt", lowercase=False, min_chars=20)
    assert len(songs) == 1
    assert report["songs_in"] == 3 and report["songs_out"] == 1
    assert report["dropped"] == {"empty_after_cleaning": 1, "shorter_than_20_chars": 1}


def test_clean_corpus_with_nothing_left_names_the_file():
    with pytest.raises(InputError, match="x.txt: no song left"):
        lyrics.clean_corpus(song("[Coro]"), "x.txt", lowercase=False, min_chars=0)


def test_corpus_round_trips_through_the_canonical_format():
    songs = ["uno\ndos\n\ntres", "cuatro"]
    text = lyrics.format_corpus(songs)
    assert text == "<|startsong|>\nuno\ndos\n\ntres\n<|endsong|>\n\n<|startsong|>\ncuatro\n<|endsong|>\n"
    assert lyrics.read_corpus(text) == songs


def test_corpus_stats_counts():
    stats = lyrics.corpus_stats(["la la\nsol", "sol"])
    assert stats == {"songs": 2, "chars": 12, "lines": 3, "words": 4, "char_vocab": 6, "word_vocab": 2}


# --- duplicates and split ---------------------------------------------------------

def test_duplicates_differing_in_case_punctuation_and_whitespace_collapse_to_the_first():
    songs = ["Hola, mundo\nadiós", "otra", "hola mundo  \n ADIÓS!", "otra"]
    unique, report = lyrics.dedupe(songs)
    assert unique == ["Hola, mundo\nadiós", "otra"]
    assert report["duplicate_groups"] == 2 and report["duplicates_removed"] == 2
    assert report["duplicate_groups_byte_identical"] == 1
    assert report["duplicate_indexes"] == [[0, 2], [1, 3]]


def test_accents_distinguish_songs():
    assert lyrics.dedup_key("canción") != lyrics.dedup_key("cancion")


def test_split_is_deterministic_disjoint_complete_and_sized():
    a = lyrics.split_indexes(100, 0.1, 0.2, seed=7)
    assert a == lyrics.split_indexes(100, 0.1, 0.2, seed=7)
    assert a != lyrics.split_indexes(100, 0.1, 0.2, seed=8)
    assert (len(a["train"]), len(a["val"]), len(a["test"])) == (70, 10, 20)
    together = a["train"] + a["val"] + a["test"]
    assert sorted(together) == list(range(100))
    assert all(part == sorted(part) for part in a.values())


def test_tiny_corpus_still_gets_one_song_in_each_held_out_split():
    parts = lyrics.split_indexes(3, 0.1, 0.1, seed=0)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [1, 1, 1]


def test_too_few_songs_to_split_is_a_clear_error():
    with pytest.raises(InputError, match="only 2 item"):
        lyrics.split_indexes(2, 0.1, 0.1, seed=0, source="clean.txt")


def _split_before_grouping(n, val, test, seed):
    """split_indexes as it was before groups existed: the reference singleton groups must match."""
    n_val, n_test = max(1, round(n * val)), max(1, round(n * test))
    order = np.random.default_rng(seed).permutation(n)
    parts = {"val": order[:n_val], "test": order[n_val:n_val + n_test], "train": order[n_val + n_test:]}
    return {name: sorted(int(i) for i in idx) for name, idx in parts.items()}


@pytest.mark.parametrize("n,val,test,seed", [(3, 0.1, 0.1, 0), (10, 0.2, 0.2, 1), (100, 0.1, 0.2, 7),
                                             (1000, 0.1, 0.1, 42), (4294, 0.1, 0.1, 42), (57, 0.15, 0.15, 3)])
def test_singleton_groups_split_exactly_as_before(n, val, test, seed):
    expected = _split_before_grouping(n, val, test, seed)
    assert lyrics.split_indexes(n, val, test, seed) == expected
    assert lyrics.split_indexes(n, val, test, seed, groups=[[i] for i in range(n)]) == expected
    assert lyrics.split_indexes(n, val, test, seed, groups=[[i] for i in reversed(range(n))]) == expected


# --- near-duplicates -------------------------------------------------------------

BASE = "la noche cae\nsobre el mar\ny tú no estás\ncanto solo"


def test_three_of_four_shared_lines_group_at_half_but_not_at_0_9():
    songs = [BASE, "La noche cae,\nsobre el mar\ny tú no estás\notra línea", "nada que ver\ncon lo demás"]
    assert lyrics.near_duplicate_pairs(songs, 0.5) == [(0, 1)]  # Jaccard 3/5
    assert lyrics.near_duplicate_groups(songs, 0.5) == [[0, 1], [2]]
    assert lyrics.near_duplicate_groups(songs, 0.9) == [[0], [1], [2]]


def test_groups_are_transitive_through_a_chain():
    a = "uno\ndos\ntres\ncuatro"
    b = "uno\ndos\ntres\ncinco"     # 3/5 with a
    c = "uno\ndos\nseis\ncinco"     # 3/5 with b, 2/6 with a
    songs = [a, "aparte", c, b]
    assert lyrics.near_duplicate_pairs(songs, 0.5) == [(0, 3), (2, 3)]
    assert lyrics.near_duplicate_groups(songs, 0.5) == [[0, 2, 3], [1]]


def test_blank_and_punctuation_only_lines_are_ignored():
    assert lyrics.line_set("Hola, mundo\n\n  \n...\nADIÓS") == {"hola mundo", "adiós"}
    songs = ["hola mundo\n\nadiós", "\n¡Hola, mundo!\n--\n\n\nadiós\n", "", "\n\n"]
    assert lyrics.near_duplicate_groups(songs, 1.0) == [[0, 1], [2], [3]]  # empty songs link to nothing


def test_threshold_one_links_only_identical_line_sets():
    songs = [BASE, "canto solo\ny tú no estás\nla noche cae\nsobre el mar\ncanto solo",  # reordered, repeated
             BASE + "\nun verso más"]
    assert lyrics.near_duplicate_pairs(songs, 1.0) == [(0, 1)]
    assert lyrics.near_duplicate_pairs(songs, 0.8) == [(0, 1), (0, 2), (1, 2)]  # 4/5


def test_pairs_match_a_brute_force_jaccard_on_random_corpora():
    rng = random.Random(0)
    for _ in range(60):
        vocab = [f"verso {k}" for k in range(rng.randint(3, 12))]
        songs = ["\n".join(rng.choice(vocab) for _ in range(rng.randint(0, 7))) for _ in range(rng.randint(1, 20))]
        sets = [lyrics.line_set(s) for s in songs]
        for t in (0.2, 0.5, 2 / 3, 0.7, 1.0):
            want = [(i, j) for i, j in itertools.combinations(range(len(songs)), 2)
                    if sets[i] and sets[j] and len(sets[i] & sets[j]) >= t * len(sets[i] | sets[j]) - 1e-9]
            assert lyrics.near_duplicate_pairs(songs, t) == want


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5])
def test_threshold_outside_zero_one_is_refused(threshold):
    with pytest.raises(ValueError, match="not in"):
        lyrics.near_duplicate_pairs(["a"], threshold)


def test_connected_groups_come_in_corpus_order():
    assert lyrics.connected_groups(6, [(4, 5), (1, 4), (0, 2)]) == [[0, 2], [1, 4, 5], [3]]
    assert lyrics.connected_groups(0, []) == []


# --- grouped split -----------------------------------------------------------------

def _random_groups(n, rng):
    items = list(range(n))
    rng.shuffle(items)
    groups, pos = [], 0
    while pos < n:
        size = rng.choice([1, 1, 1, 2, 3, 7])
        groups.append(items[pos:pos + size])
        pos += size
    return groups


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_grouped_split_keeps_groups_whole_meets_targets_and_is_deterministic(seed):
    rng = random.Random(seed)
    n = 300
    groups = _random_groups(n, rng)
    parts = lyrics.split_indexes(n, 0.1, 0.2, seed, groups=groups)
    assert parts == lyrics.split_indexes(n, 0.1, 0.2, seed, groups=groups)
    assert len(parts["val"]) >= 30 and len(parts["test"]) >= 60 and parts["train"]
    assert sorted(parts["train"] + parts["val"] + parts["test"]) == list(range(n))
    assert all(part == sorted(part) for part in parts.values())
    where = {i: name for name, idx in parts.items() for i in idx}
    assert all(len({where[i] for i in g}) == 1 for g in groups)


def test_grouped_split_moves_only_when_groups_exist():
    songs = [f"canción {i}\nverso propio {i}" for i in range(50)]
    singles = lyrics.near_duplicate_groups(songs, 0.5)
    assert lyrics.split_indexes(50, 0.1, 0.1, 42, groups=singles) == lyrics.split_indexes(50, 0.1, 0.1, 42)


def test_too_few_groups_to_split_is_a_clear_error():
    with pytest.raises(InputError) as err:
        lyrics.split_indexes(5, 0.1, 0.1, seed=0, source="clean.txt", groups=[[0, 1, 2, 3], [4]])
    msg = str(err.value)
    assert "clean.txt" in msg and "2 group(s)" in msg and "fix:" in msg and "threshold" in msg


def test_groups_must_partition_the_items():
    with pytest.raises(ValueError, match="partition"):
        lyrics.split_indexes(4, 0.25, 0.25, seed=0, groups=[[0, 1], [1, 2, 3]])


def test_near_duplicate_report_counts_what_the_ungrouped_split_would_have_leaked():
    songs = [BASE, BASE + "\notra", "solo\nuna", BASE + "\nmás", "x\ny"]
    pairs = lyrics.near_duplicate_pairs(songs, 0.5)
    groups = lyrics.connected_groups(len(songs), pairs)
    ungrouped = {"train": [0, 2], "val": [4], "test": [1, 3]}
    report = lyrics.near_duplicate_report(songs, pairs, groups, 0.5, ungrouped)
    assert (report["pairs"], report["groups"], report["songs_in_groups"], report["largest_group"]) == (3, 1, 3, 3)
    assert report["pairs_crossing_splits_if_ungrouped"] == 2  # (0, 1) and (0, 3); (1, 3) share test
    assert report["test_songs_with_train_neighbour_if_ungrouped"] == 2
    assert report["examples"] == [{"size": 3, "songs": [0, 1, 3], "first_lines": ["la noche cae"] * 3}]

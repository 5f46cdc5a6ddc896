import pytest

from nlpbench import lyrics
from nlpbench.errors import InputError


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

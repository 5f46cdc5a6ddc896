from nlpbench.data import textnorm


def test_excel_escapes_become_the_characters_excel_meant():
    text, changed = textnorm.decode_excel_escapes("Bonito_x0085_ y _x0093_cómodo_x0094_ _x000D_")
    assert changed
    assert text == "Bonito… y “cómodo” \r"


def test_raw_c1_controls_are_read_as_cp1252():
    text, changed = textnorm.fix_c1_controls("espera\u0085 dijo \u0093hola\u0094")
    assert changed and text == "espera… dijo “hola”"


def test_mojibake_utf8_read_as_latin1_or_cp1252_is_repaired():
    for wrong in ("canción".encode("utf-8").decode("cp1252"), "mañana".encode("utf-8").decode("latin-1")):
        fixed, changed = textnorm.fix_mojibake(wrong)
        assert changed and fixed in ("canción", "mañana")


def test_clean_spanish_is_left_alone():
    text = "Canción de mañana, ¿qué pasó? ¡Olé! “comillas” — fin…"
    assert textnorm.repair(text) == (text, {"excel_escapes": False, "c1_controls": False, "mojibake": False})


def test_invisible_and_odd_spaces_and_controls_are_normalized():
    raw = "a\u00a0b\u200bc\td\x07e\nf"
    assert textnorm.normalize_unicode(raw) == "a bc de\nf"


def test_nfc_composes_accents_so_one_letter_is_one_character():
    decomposed = "cancio\u0301n"
    assert textnorm.normalize_unicode(decomposed) == "canción"


def test_strip_accents_is_opt_in_and_complete():
    assert textnorm.strip_accents("Canción Ñandú pingüino") == "Cancion Nandu pinguino"

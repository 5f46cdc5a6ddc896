#!/usr/bin/env python3
"""Write the demo inputs: noisy song lyrics and Spanish reviews.

Outputs (byte-identical on every run; Python standard library only):

* demo/data/canciones.txt -- 40 song blocks of Spanish lyrics in the
  `<|startsong|>` ... `<|endsong|>` format, with Genius-scrape noise injected
  at fixed places (see SONG_NOISE_MAP below and NOISE_PLAN in the code).
* demo/data/reviews.csv -- 400 reviews in the MeIA 2025 columns
  (Review,Polarity,Town,Region,Type), classes 1..5 with 60/70/80/90/100 rows,
  plus 4 bad rows (empty or whitespace-only Review), shuffled.

All text is written from the phrase banks in this file. Usage:

    python3 demo/make_demo_data.py [--out demo/data]
"""

# Song blocks are numbered 0..39 in file order (every start marker counts,
# duplicates and the empty song included). What each block carries:
#   0, 8, 37  clean (8 is the source of the normalised duplicate 38)
#   1         tag lines [Verso 1] [Coro] [Verso 2]
#   2         "You might also like" line; tail "123Embed"
#   3         header: Letra de "Título"        (33 is an exact copy of 3)
#   4         tags [Verso 1] [Coro] [Puente] [Outro]; *risas* line; trailing spaces
#   5         opens with <startsong|>
#   6         "[Coro] ..." tag at start of a lyric line; *suena la guitarra* line
#   7         tags [Verso 1] [Pre-Coro] [Coro] [Verso 2]; CRLF; closes <|endsong>
#   9         header: Título Lyrics; "You might also like" glued; inline *susurra*
#   10        tags [Verso 1] [Chorus: Marisol Vega] [Puente] [Outro];
#             opens <|startsong>; U+00A0 no-break space
#   11        header: Letra de "Título" ft. Lucía Mar; "You might also like"
#             line; run of 3 blank lines
#   12        tail "2Embed"; U+200B zero-width space; closes </endsong|>
#   13        tags [Pre-Coro] [Coro] [Verso 2] [Puente];
#             header: 12 ContributorsTranslationsEnglishTítulo Lyrics; trailing tab
#   14        mojibake stanza; CRLF; tail " Embed"
#   15        header lines: 3 Contributors / Traducciones / EnglishPortuguês
#   --        junk lines outside songs between blocks 15 and 16
#   16        opens < |startsong| >; "[Coro] ..." tag at start of a lyric line
#   17        header: Letra de "Título"; *risas* line
#   18        mojibake stanza; run of 5 blank lines
#   19        tags [Verso 1] [Chorus: Los Faros del Sur] [Verso 2];
#             stray \r (one CRLF line in an LF song); closes <|ENDSONG|>
#   20        very short song (2 lines, < 60 chars)
#   21        header: Título Lyrics; *suena la guitarra* line; U+00A0
#   22        "You might also like" line; opens <|STARTSONG|>
#   23        CRLF; tail " Embed"
#   24        mojibake stanza; "You might also like" glued; opens <startsong|>
#   25        header: Letra de "Título" ft. Grupo Brisa; trailing spaces;
#             closes <|endsong>
#   26        header: Translations; inline *suspira*; U+200B
#   27        noise only: [Coro] / You might also like / *aplausos* / Embed
#   28        opens </startsong|>
#   --        junk lines outside songs between blocks 28 and 29
#   29        header: 4 ContributorsTranslationsPortuguêsTítulo Lyrics;
#             run of 4 blank lines; tail "Embed" glued to the last word
#   30        header lines: 3 Contributors / Translations / EnglishPortuguês /
#             Título Lyrics; CRLF
#   31        opens <|startsong>; tail "45Embed"
#   32        mojibake stanza; closes </endsong|>
#   33        exact copy of block 3
#   34        opens < |startsong| >; stray \r
#   35        header: Traducciones; closes <|ENDSONG|>
#   36        opens <|STARTSONG|>
#   38        block 8 again, lower case, punctuation removed, a doubled space
#   39        opens </startsong|>

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

SEED = 2025
OUT_DIR = Path(__file__).resolve().parent / "data"

SONG_NOISE_MAP = {
    "clean": [0, 8, 37],
    "tag_lines": [1, 4, 7, 10, 13, 19, 27],
    "tag_at_line_start": [6, 16],
    "you_might_also_like_line": [2, 11, 22, 27],
    "you_might_also_like_glued": [9, 24],
    "embed_tail": [2, 12, 14, 23, 29, 31],
    "header_letra_de": [3, 17, 33],
    "header_letra_de_ft": [11, 25],
    "header_title_lyrics": [9, 21, 30],
    "header_contributors_glued": [13, 29],
    "header_contributor_lines": [15, 30],
    "header_translations_line": [26, 30],
    "header_traducciones_line": [15, 35],
    "stage_note_line": [4, 6, 17, 21, 27],
    "stage_note_inline": [9, 26],
    "crlf_song": [7, 14, 23, 30],
    "stray_cr": [19, 34],
    "blank_line_run": [11, 18, 29],
    "trailing_whitespace": [4, 13, 25],
    "nbsp": [10, 21],
    "zero_width_space": [12, 26],
    "mojibake": [14, 18, 24, 32],
    "open_marker_variant": [5, 10, 16, 22, 24, 28, 31, 34, 36, 39],
    "close_marker_variant": [7, 12, 19, 25, 32, 35],
    "exact_duplicate": [33],            # of block 3
    "normalised_duplicate": [38],       # of block 8
    "empty_after_cleaning": [27],
    "short_song": [20],
    "junk_outside_after_block": [15, 28],
}
TOTAL_SONG_BLOCKS = 40

# --- song phrase banks --------------------------------------------------------

THEMES = {
    "amor": [
        "Tu risa me despierta cada mañana",
        "Me enseñaste a querer sin miedo",
        "Guardo tu nombre en el bolsillo del alma",
        "Tus manos saben a café y a domingo",
        "No hay distancia que apague este fuego",
        "Contigo el tiempo se vuelve canción",
        "Te busco en cada esquina del corazón",
        "Me basta una mirada para volver a creer",
        "Eres la calma después de la tormenta",
        "Dime que sí, que todavía me quieres",
        "Tu voz es la brújula que me trae a casa",
        "Aprendí tu nombre como se aprende a rezar",
        "Quiero envejecer mirando tu sonrisa",
        "Si me das la mano, ya no tengo frío",
        "Eres mi verso favorito, mi mejor razón",
        "Nos prometimos todo bajo un cielo azul",
    ],
    "mar": [
        "Las olas me cuentan secretos de sal",
        "El faro se enciende cuando tú no estás",
        "Camino descalzo por la orilla del mar",
        "La marea se lleva mis huellas de ayer",
        "Un barco de papel navega hacia el sur",
        "Huele a sal y a despedida en el puerto",
        "Las gaviotas dibujan tu nombre en el cielo",
        "El mar no pregunta, solo sabe abrazar",
        "Me quedé mirando el horizonte azul",
        "La espuma blanca besa la arena mojada",
        "Soy marinero sin estrella y sin timón",
        "Bajo la luna el agua brilla de plata",
        "Cada ola que rompe me recuerda a ti",
        "En la bahía duermen los pescadores",
        "Llévame lejos, donde termina el mar",
        "El viento del norte despeina la playa",
    ],
    "ciudad": [
        "Las luces de la ciudad no duermen nunca",
        "Cruzo avenidas llenas de gente sin nombre",
        "En el metro todos miran hacia el suelo",
        "Los edificios tapan la luna de abril",
        "Suena un claxon, suena una canción",
        "Café de esquina, periódico y prisa",
        "La lluvia lava el asfalto de la avenida",
        "Mil ventanas encendidas y ninguna es la tuya",
        "Bajo el puente se esconden los sueños rotos",
        "El semáforo en rojo detiene mi corazón",
        "Tu barrio huele a pan recién hecho",
        "Me pierdo entre calles que no tienen final",
        "Los taxis amarillos cortan la madrugada",
        "Desde la azotea se ven las pocas estrellas que quedan",
        "La ciudad es un mar de cemento y neón",
        "Los murales cuentan historias de ayer",
    ],
    "noche": [
        "La noche me abraza con su manto oscuro",
        "Cuento estrellas para no pensar en ti",
        "La luna se asoma detrás del tejado",
        "A medianoche todo parece posible",
        "Los grillos cantan una canción de cuna",
        "Se apagan las luces, se enciende el deseo",
        "En la oscuridad tu piel es mi farol",
        "Las sombras bailan sobre la pared",
        "El reloj marca las tres y sigo despierto",
        "La noche es joven y nosotros también",
        "Tengo insomnio de tus besos",
        "Un cometa cruza el cielo sin avisar",
        "Bajo la luna juramos no volver",
        "Hasta que salga el sol no me voy",
        "La madrugada sabe a tequila y a verdad",
        "Las estrellas son testigos de este amor",
    ],
    "baile": [
        "Mueve la cintura al ritmo del tambor",
        "Baila conmigo hasta que salga el sol",
        "La pista se enciende cuando llegas tú",
        "Un paso adelante y dos hacia atrás",
        "Suena la cumbia y nadie se queda sentado",
        "Tus caderas dictan el compás",
        "Dale vuelta, dale vuelta, no te detengas",
        "El DJ sube el volumen de mi corazón",
        "Bailamos pegados como la primera vez",
        "Zapatos rotos de tanto bailar",
        "La salsa corre por mis venas",
        "Que toque la banda otra canción más",
        "Giramos juntos bajo luces de colores",
        "En la pista somos dueños de la noche",
        "Sigue el ritmo, no pienses en mañana",
        "El suelo tiembla cuando empieza el coro",
    ],
    "lluvia": [
        "Llueve despacio sobre mi ventana",
        "Las gotas escriben tu nombre en el cristal",
        "Bajo el paraguas cabemos los dos",
        "El cielo llora lo que yo no sé decir",
        "Huele a tierra mojada y a recuerdo",
        "Charcos de luz en la calle vacía",
        "La tormenta pasa, tu recuerdo no",
        "Truenos lejanos anuncian tu adiós",
        "Me empapo de ti sin querer",
        "Las nubes grises cubren la mañana",
        "Deja que la lluvia lave el dolor",
        "Corrimos riendo bajo el aguacero",
        "Un arcoíris sale después del llanto",
        "El agua corre por las calles de piedra",
        "Me gusta la lluvia porque se parece a ti",
        "Tiembla el tejado, tiembla mi voz",
    ],
    "desamor": [
        "Te fuiste sin decir adiós",
        "Tu lado de la cama sigue frío",
        "Rompiste mi corazón en mil pedazos",
        "Ya no me duele tu silencio",
        "Guardé tus cartas en un cajón",
        "Olvidarte es mi nueva costumbre",
        "Me dejaste solo con esta canción",
        "Tu perfume todavía vive en mi almohada",
        "Las promesas se las llevó el viento",
        "Ya no te espero en la estación",
        "Borré tu número, pero no tu voz",
        "Nadie me advirtió que dolería así",
        "Fuiste un incendio que nadie apagó",
        "Aprendí a vivir con tu ausencia",
        "Ojalá te vaya bien, aunque sea sin mí",
        "Hoy brindo por lo que no pudo ser",
    ],
    "camino": [
        "Tengo polvo en las botas y sueños en la piel",
        "La carretera se pierde en el horizonte",
        "Voy buscando un lugar donde quedarme",
        "Cada kilómetro me acerca a ti",
        "Mi guitarra y yo contra el mundo",
        "Dejé mi pueblo con una maleta vacía",
        "El tren de las seis nunca me espera",
        "Caminante que no sabe a dónde va",
        "Las montañas me enseñaron a esperar",
        "Duermo bajo puentes y despierto en la ruta",
        "Un mapa viejo y una brújula rota",
        "Si me pierdo, búscame en el camino",
        "El desierto guarda mis pasos cansados",
        "Sigo la línea blanca de la autopista",
        "Regresaré cuando florezca el naranjo",
        "Mi casa es donde pongo el sombrero",
    ],
    "verano": [
        "El sol de agosto quema la piel",
        "Helado de limón y tardes sin final",
        "Nos conocimos un verano en la playa",
        "La radio suena con canciones de ayer",
        "Bicicletas rojas por el malecón",
        "Tu piel morena sabe a verano",
        "Las cigarras cantan a mediodía",
        "Una hamaca, una sandía y tu risa",
        "El calor se queda pegado a la ropa",
        "Vacaciones que nunca quiero terminar",
        "Atardeceres naranjas sobre el río",
        "Nadamos hasta que se fue la luz",
        "Un beso salado junto al muelle",
        "La fiesta del pueblo empieza en julio",
        "Gafas de sol y corazón abierto",
        "El verano se fue, pero tú te quedaste",
    ],
    "recuerdos": [
        "Guardo una foto en blanco y negro",
        "La casa de mi abuela huele a canela",
        "Recuerdo tu voz en el patio de la escuela",
        "El viejo reloj sigue marcando las cinco",
        "Cartas amarillas en una caja de zapatos",
        "Éramos niños, jugando en la plaza",
        "Mi padre silbaba, mi madre cantaba",
        "Las tardes de domingo olían a pan dulce",
        "Vuelvo al barrio y nadie me recuerda",
        "El columpio oxidado todavía se mueve",
        "La memoria es un río que no se detiene",
        "Aquella canción me devuelve a los quince",
        "Tu bufanda azul sigue en el perchero",
        "El tiempo borra todo, menos tu sonrisa",
        "Recuerdo el sabor del primer café",
        "Volver al pasado, volver a empezar",
    ],
    "fiesta": [
        "Traigan mariachis, que hoy se celebra",
        "Levanten las copas por los que no están",
        "La piñata se rompe y llueven dulces",
        "Cohetes en el cielo del zócalo",
        "Hoy no se duerme, hoy se canta",
        "La abuela baila con el más joven",
        "Tamales, ponche y guitarras al fuego",
        "Papel picado de todos los colores",
        "Que suene la banda hasta el amanecer",
        "Brindemos por la vida y por el amor",
        "Las campanas anuncian la fiesta del santo",
        "Todo el pueblo canta en la plaza",
        "Risas, abrazos y un grito de alegría",
        "Mañana veremos, hoy toca gozar",
        "La luna también vino a la fiesta",
        "Con la última canción nos vamos a casa",
    ],
    "tierra": [
        "Mi tierra huele a maíz y a lluvia",
        "Los volcanes cuidan el valle dormido",
        "Canto para los que sembraron el campo",
        "El río baja cantando desde la sierra",
        "Manos morenas trabajan la tierra",
        "El nopal florece junto al camino",
        "La milpa crece con la fe del abuelo",
        "Bajo el ahuehuete aprendí a cantar",
        "Las montañas azules guardan mi nombre",
        "El colibrí visita la flor de mi madre",
        "Aquí nací y aquí quiero quedarme",
        "El viento trae la voz de mis ancestros",
        "Campos dorados al caer la tarde",
        "Mi pueblo es pequeño, pero tiene corazón",
        "El cielo de mi tierra no tiene final",
        "Regreso al rancho con el alma en la mano",
    ],
}

# (theme, title, hook line) for the 36 original songs, in file order.
HOOKS = [
    ("mar", "Marea alta", "Marea alta, llévame contigo"),
    ("ciudad", "Luz de neón", "Luz de neón, no me dejes solo"),
    ("noche", "Canción de medianoche", "Esta es mi canción de medianoche"),
    ("baile", "Baila conmigo", "Baila conmigo, baila hasta el final"),
    ("lluvia", "Agua de abril", "Agua de abril, lava mi corazón"),
    ("desamor", "Sin ti", "Sin ti no hay mañana, sin ti no hay canción"),
    ("camino", "Kilómetro cero", "Desde el kilómetro cero vuelvo a empezar"),
    ("verano", "Verano eterno", "Que dure para siempre este verano"),
    ("recuerdos", "Caja de recuerdos", "Abro la caja, saco los recuerdos"),
    ("fiesta", "Noche de fiesta", "Es noche de fiesta, nadie se va"),
    ("tierra", "Mi tierra", "Ay, mi tierra, yo te llevo en la piel"),
    ("amor", "Corazón de papel", "Tengo un corazón de papel"),
    ("mar", "Faro", "Tú eres mi faro en la oscuridad"),
    ("ciudad", "Avenida", "En esta avenida te vi pasar"),
    ("noche", "Luna llena", "Luna llena, dime dónde está"),
    ("baile", "Cumbia del olvido", "Bailo la cumbia del olvido"),
    ("lluvia", "Tormenta", "Que venga la tormenta, no tengo miedo"),
    ("desamor", "Adiós", "Adiós, adiós, ya no vuelvas más"),
    ("camino", "Carretera", "Carretera larga, llévame a casa"),
    ("verano", "Sandía y sal", "Sabe a sandía y a sal tu boca"),
    ("recuerdos", "Fotografía", "Eres una fotografía que no se borra"),
    ("fiesta", "Brindis", "Brindo por ti, brindo por mí"),
    ("tierra", "Volcán", "Mi amor es un volcán dormido"),
    ("amor", "Cielo abierto", "Quiero quererte a cielo abierto"),
    ("mar", "Puerto viejo", "En el puerto viejo te esperé"),
    ("ciudad", "Ciudad dormida", "Duerme la ciudad y yo pensando en ti"),
    ("noche", "Insomnio", "Me quitas el sueño, me das la vida"),
    ("baile", "Ritmo", "No pares el ritmo, mi amor"),
    ("lluvia", "Paraguas", "Ven debajo de mi paraguas"),
    ("desamor", "Última canción", "Esta es la última canción"),
    ("camino", "Polvo y estrellas", "Somos polvo y estrellas"),
    ("verano", "Tarde naranja", "Tarde naranja, no te vayas"),
    ("recuerdos", "Domingo", "Domingo de pan dulce y café"),
    ("fiesta", "Campanas", "Suenan las campanas por nosotros"),
    ("tierra", "Raíz", "Tengo raíces en esta tierra"),
    ("amor", "Mañana", "Mañana será otro día, corazón"),
]

SHORT_SONG = ["Ay, qué calor", "ven conmigo a bailar"]
NOISE_ONLY_SONG = ["[Coro]", "You might also like", "*aplausos*", "Embed"]
JUNK_AFTER = {
    15: ["Más canciones en www.ejemplo.com", "Compartir en Facebook | Twitter | WhatsApp",
         "Publicidad"],
    28: ["Sigue leyendo: las 10 baladas más escuchadas del año", "© Letras Ejemplo 2024"],
}
SPECIAL_BLOCKS = {20: "short", 27: "noise_only", 33: ("exact_copy", 3), 38: ("normalised_copy", 8)}

# Noise for each original song block (see the comment at the top of the file).
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
PLACES = [
    ("Tepoztlan", "Morelos", "Tepoztlán", "la subida al Tepozteco"),
    ("Valle_de_Bravo", "Estado_de_Mexico", "Valle de Bravo", "el embarcadero de la presa"),
    ("Bacalar", "QuintanaRoo", "Bacalar", "la laguna de los siete colores"),
    ("San_Cristobal_de_las_Casas", "Chiapas", "San Cristóbal", "el andador Guadalupano"),
    ("Taxco", "Guerrero", "Taxco", "el teleférico"),
    ("Real_de_Catorce", "San_Luis_Potosi", "Real de Catorce", "el túnel de Ogarrio"),
    ("Tequila", "Jalisco", "Tequila", "el recorrido por la destilería"),
    ("Izamal", "Yucatan", "Izamal", "el convento amarillo"),
    ("Patzcuaro", "Michoacan", "Pátzcuaro", "la isla de Janitzio"),
    ("Cholula", "Puebla", "Cholula", "la gran pirámide"),
    ("Bernal", "Queretaro", "Bernal", "la Peña de Bernal"),
    ("Creel", "Chihuahua", "Creel", "el lago de Arareko"),
]
CLASS_SIZES = {1: 60, 2: 70, 3: 80, 4: 90, 5: 100}
TYPES = ("Hotel", "Restaurant", "Attractive")

SLOTS = {
    "dish": ["las enchiladas verdes", "la sopa de tortilla", "el mole poblano",
             "los tacos al pastor", "la cochinita pibil", "los chiles en nogada",
             "el pescado a la talla", "el pozole rojo",
             "los tamales de elote", "las quesadillas de flor de calabaza", "la trucha empapelada",
             "la sopa tarasca", "los panuchos", "el molcajete de arrachera"],
    "companion": ["con mi pareja", "con mis papás", "con un grupo de amigos", "en familia",
                  "con mis hijos", "con mi esposa", "con mi esposo", "con compañeros de trabajo",
                  "con mi hermana", "con mi novio"],
    "nights": ["dos", "tres", "cuatro", "cinco"],
    "day": ["lunes", "jueves", "viernes", "sábado", "domingo"],
    "month": ["enero", "marzo", "abril", "julio", "agosto", "octubre", "noviembre", "diciembre"],
    "hotel_price": ["850", "1,200", "1,500", "2,300", "3,100"],
    "ticket_price": ["40", "75", "120", "250", "350"],
    "meal_price": ["300", "450", "600", "1,100"],
}

OPENERS = {
    "Hotel": [
        "Nos hospedamos en este hotel durante un viaje a {town} en {month}.",
        "Pasamos {nights} noches aquí {companion}.",
        "Llegamos de noche después de varias horas de carretera desde la Ciudad de México, así "
        "que lo primero que hicimos fue dejar las maletas y salir a buscar algo de cenar cerca "
        "de la plaza.",
        "Reservamos por internet un fin de semana largo de {month}.",
    ],
    "Restaurant": [
        "Comimos aquí durante un fin de semana en {town}.",
        "Fuimos a cenar {companion} un {day} por la noche.",
        "Habíamos leído varias reseñas antes de ir y nos llamó la atención que todos hablaban de "
        "{dish}, así que decidimos probarlo junto con un par de entradas para compartir.",
        "Llegamos cerca de las dos de la tarde, con bastante hambre después de caminar por {town}.",
    ],
    "Attractive": [
        "Fuimos a {place} en nuestro paseo por {town}.",
        "Visitamos {place} {companion} en {month}.",
        "Tomamos un taxi desde el centro de {town}; el camino es de unos veinte minutos y conviene "
        "acordar el precio antes de subir porque no todos usan taxímetro.",
        "Era nuestra primera vez en {town} y {place} estaba en la lista de todos.",
    ],
}

NEUTRAL = {
    "Hotel": [
        "El hotel está a dos cuadras de la plaza principal.",
        "Hicimos el check-in alrededor de las tres de la tarde.",
        "La habitación tenía dos camas matrimoniales y un pequeño balcón.",
        "El desayuno se sirve de siete a once en el patio.",
        "Hay estacionamiento dentro del hotel, aunque es pequeño.",
        "Pagamos {hotel_price} pesos por noche con desayuno incluido.",
    ],
    "Restaurant": [
        "Pedimos {dish} y unas aguas frescas.",
        "El restaurante está frente al jardín principal.",
        "La carta tiene platillos regionales y algunas opciones vegetarianas.",
        "Aceptan tarjeta y efectivo.",
        "Gastamos unos {meal_price} pesos entre dos personas.",
        "Llegamos un {day} y había mesas libres en la terraza.",
    ],
    "Attractive": [
        "La entrada cuesta {ticket_price} pesos por persona.",
        "Conviene llegar temprano para evitar el calor.",
        "Hay guías locales en la entrada que ofrecen el recorrido.",
        "Se recomienda llevar agua, gorra y zapatos cómodos.",
        "El recorrido completo dura alrededor de dos horas.",
        "Hay varios puestos de artesanías en el camino.",
    ],
}

# Long, neutral narration (so some reviews run to several hundred characters).
STORIES = {
    "Hotel": [
        "El check-in fue un poco lento porque había un grupo grande llegando al mismo tiempo, así "
        "que esperamos en el lobby unos veinte minutos mientras nos ofrecían agua de jamaica y nos "
        "explicaban los horarios del desayuno, de la alberca y del estacionamiento.",
        "La habitación que nos tocó daba al patio interior, tenía una cama king size, un "
        "escritorio pequeño, televisión con cable y un baño con regadera; desde la ventana se "
        "alcanzaban a ver los techos de teja y la torre de la parroquia.",
        "Como viajábamos {companion}, pedimos una habitación con dos camas y una cuna extra; nos "
        "explicaron que tenía un costo adicional de doscientos pesos por noche y que la cuna la "
        "subían después de las seis de la tarde.",
    ],
    "Restaurant": [
        "Nos sentamos en la terraza del segundo piso, desde donde se ve la plaza y la gente que "
        "pasa; pedimos {dish} para compartir, una orden de guacamole con totopos, dos cervezas "
        "artesanales de la región y, al final, un café de olla.",
        "El menú cambia según la temporada y el mesero nos explicó cada platillo con calma, "
        "incluyendo de dónde vienen los ingredientes, cuáles pican más y cuáles son recetas de la "
        "familia de la dueña, que abrió el lugar hace más de veinte años.",
        "Llegamos sin reservación un {day} a la hora de la comida, nos pusieron en lista de espera "
        "y en unos quince minutos ya teníamos mesa, aunque nos tocó cerca de la cocina, donde se "
        "escucha todo el movimiento y hace más calor.",
    ],
    "Attractive": [
        "El recorrido empieza en la taquilla, sigue por un sendero de tierra con algunos escalones "
        "de piedra y termina en un mirador con barandal; en total caminamos casi dos horas con "
        "paradas para tomar fotos y descansar a la sombra.",
        "Hay estacionamiento público a la entrada por cincuenta pesos, baños por cinco pesos y "
        "varios puestos donde venden quesadillas, elotes, aguas frescas y dulces típicos de la "
        "región, todo en efectivo.",
        "Fuimos {companion} y contratamos a uno de los guías de la entrada, que nos contó la "
        "historia de {place}, las leyendas del pueblo y algunos datos curiosos que no vienen en "
        "los letreros.",
    ],
}

MIXED = {
    "Hotel": [
        "La habitación era amplia, aunque el baño necesitaba mantenimiento.",
        "El personal fue amable, pero el ruido de la calle no nos dejó dormir.",
        "La ubicación es buena, lástima que el wifi casi no funcionaba.",
        "La alberca es bonita, pero el agua estaba bastante fría.",
    ],
    "Restaurant": [
        "La comida estaba rica, pero tardaron mucho en servirla.",
        "Los precios son algo altos, aunque las porciones son generosas.",
        "El lugar es bonito, pero la música estaba demasiado fuerte.",
        "Las bebidas muy bien, la comida no tanto.",
    ],
    "Attractive": [
        "El paisaje es muy bonito, pero había demasiada gente.",
        "Vale la pena la vista, aunque el camino está descuidado.",
        "Los guías saben mucho, pero el recorrido se hizo largo.",
        "El lugar es lindo, aunque faltan baños y sombra.",
    ],
}

# Sentences with a quoted phrase ({q1}...{q2} become "..." or _x0093_..._x0094_), by sentiment.
QUOTES = {
    "neg": {
        "Hotel": "En recepción nos dijeron {q1}mañana lo arreglamos{q2} y nunca pasó.",
        "Restaurant": "El mesero solo repetía {q1}ya casi sale{q2} mientras esperábamos.",
        "Attractive": "El encargado nos dijo {q1}así es siempre{q2} y se fue.",
    },
    "mid": {
        "Hotel": "El recepcionista nos dijo {q1}aquí todo es tranquilo{q2} y así fue, más o menos.",
        "Restaurant": "La mesera nos recomendó {q1}lo de la casa{q2}, que estuvo bien.",
        "Attractive": "El guía decía {q1}aquí se grabó una película{q2} en cada parada.",
    },
    "pos": {
        "Hotel": "La dueña nos despidió con un {q1}vuelvan pronto{q2} que nos hizo sentir en casa.",
        "Restaurant": "El chef salió a preguntarnos {q1}¿qué tal estuvo todo?{q2} y nos regaló "
                      "el postre.",
        "Attractive": "Nuestro guía nos dijo {q1}este es el mejor mirador del pueblo{q2} y tenía "
                      "toda la razón.",
    },
}
QUOTE_MOOD = {1: "neg", 2: "neg", 3: "mid", 4: "pos", 5: "pos"}

CLASS = {
    1: {
        "Hotel": [
            "La habitación estaba sucia, las sábanas tenían manchas y el baño olía a humedad.",
            "Encontramos cucarachas en el cuarto y en recepción solo se encogieron de hombros.",
            "Horrible experiencia: no había agua caliente y el aire acondicionado nunca sirvió.",
            "Nos cobraron {hotel_price} pesos por noche por un cuarto asqueroso y ruidoso.",
            "El personal de recepción fue grosero y se negó a cambiarnos de habitación.",
            "El colchón estaba hundido, las toallas rotas y la regadera sin presión; un desastre "
            "total de principio a fin, y cuando nos quejamos nos dijeron que era lo que había.",
        ],
        "Restaurant": [
            "La comida llegó fría y {dish} sabía a recalentado.",
            "Pésimo servicio, el mesero nos ignoró más de cuarenta minutos.",
            "Encontramos un pelo en el plato y ni siquiera se disculparon.",
            "Los baños estaban asquerosos y la cocina se veía sucia desde la mesa.",
            "Nos cobraron platillos que nunca pedimos y el gerente fue muy grosero.",
            "Después de comer {dish} terminamos enfermos del estómago.",
        ],
        "Attractive": [
            "{Place} está lleno de basura y nadie le da mantenimiento.",
            "Una estafa: cobran {ticket_price} pesos de entrada y la mitad del recorrido estaba "
            "cerrado.",
            "Los vendedores te persiguen todo el tiempo y los guías son groseros.",
            "Horrible, el lugar está descuidado y huele a drenaje.",
            "Nos dejaron esperando dos horas bajo el sol y al final cancelaron el tour sin "
            "devolvernos el dinero.",
            "Es una trampa para turistas, no vale la pena ni el viaje.",
        ],
        "any": [
            "La peor experiencia de todo el viaje.",
            "No lo recomiendo para nada.",
            "Horrible de principio a fin.",
            "Pésimo, una verdadera falta de respeto al cliente.",
            "Todo estaba sucio y descuidado.",
        ],
        "closing": ["Nunca vuelvo.", "No regresaríamos ni aunque fuera gratis.",
                    "Eviten este lugar.", "Jamás volveré a poner un pie ahí."],
    },
    2: {
        "Hotel": [
            "La habitación era más pequeña que en las fotos y el baño estaba algo descuidado.",
            "El desayuno incluido fue muy pobre, apenas pan y café aguado.",
            "Esperaba más por el precio; el cuarto estaba viejo y las toallas desgastadas.",
            "El ruido de la calle no nos dejó dormir bien ninguna de las {nights} noches.",
            "La alberca estaba cerrada y nadie nos avisó al reservar.",
            "El wifi fallaba todo el tiempo y el aire acondicionado hacía mucho ruido.",
        ],
        "Restaurant": [
            "{Dish} estaba simple y la porción era pequeña para lo que cuesta.",
            "El servicio fue lento y tuvimos que pedir la cuenta tres veces.",
            "Decepcionante, la comida no tiene el sabor que prometen las reseñas.",
            "Los precios son altos para la calidad que ofrecen.",
            "La sopa estaba salada y el postre no sabía a nada.",
            "Regular tirando a malo: la comida tardó y llegó tibia.",
        ],
        "Attractive": [
            "{Place} es bonito, pero esperaba mucho más después de tanto que lo recomiendan.",
            "El recorrido es corto y la entrada de {ticket_price} pesos no lo vale.",
            "Estaba demasiado lleno y casi no se podía disfrutar.",
            "Las instalaciones están descuidadas y faltan señalamientos.",
            "El guía hablaba muy rápido y no explicó casi nada.",
            "Decepcionante, los baños estaban sucios y no había dónde comprar agua.",
        ],
        "any": [
            "Fue una experiencia decepcionante.",
            "Regular tirando a malo.",
            "No es terrible, pero tampoco lo recomendaría.",
            "Esperaba bastante más.",
            "Hay mejores opciones en el pueblo.",
        ],
        "closing": ["No creo que regrese.", "No vale lo que cuesta.", "Difícilmente volvería.",
                    "Quizá tuvimos mala suerte, pero no repetiría."],
    },
    3: {
        "Hotel": [
            "La habitación es sencilla pero limpia, cumple para pasar la noche.",
            "El hotel es normal, nada especial, aunque la cama era cómoda.",
            "El desayuno es aceptable y el personal atiende correctamente.",
            "Es un hotel promedio para el precio que se paga.",
            "Las instalaciones son algo viejas, pero todo funcionaba.",
            "Para dormir y salir a pasear está bien, no esperen lujos.",
        ],
        "Restaurant": [
            "La comida es aceptable, ni buena ni mala.",
            "{Dish} estaba bien, sin nada que lo hiciera memorable.",
            "Precios razonables y porciones normales.",
            "El servicio fue correcto, aunque un poco lento a la hora de la comida.",
            "Es un lugar normal para comer algo rápido.",
            "Cumple, pero hay lugares con más sabor en el centro.",
        ],
        "Attractive": [
            "{Place} es interesante, aunque se recorre rápido.",
            "Está bien para una visita corta si ya estás en el pueblo.",
            "Es un lugar bonito, pero no es nada del otro mundo.",
            "La visita es aceptable; la entrada cuesta {ticket_price} pesos.",
            "Ni bueno ni malo, es más o menos lo que esperábamos.",
            "Vale la pena si tienes tiempo libre; si no, no pasa nada si te lo pierdes.",
        ],
        "any": [
            "Ni bueno ni malo.",
            "Una experiencia normal.",
            "Está bien, sin más.",
            "Aceptable para lo que cuesta.",
            "Nada especial, pero tampoco nos quejamos.",
        ],
        "closing": ["Tal vez regresemos si no hay otra opción.", "Cumple con lo básico.",
                    "Para salir del paso está bien.", "Es una opción más del pueblo."],
    },
    4: {
        "Hotel": [
            "La habitación era amplia, limpia y con una vista muy bonita.",
            "El personal fue muy amable y nos ayudó con recomendaciones.",
            "Muy buen hotel, solo le faltaría mejorar el desayuno.",
            "Las camas son cómodas y el lugar es tranquilo para descansar.",
            "Buena relación calidad-precio; el único detalle fue el agua caliente, que tardaba "
            "en salir.",
            "El jardín y la alberca están muy bien cuidados.",
        ],
        "Restaurant": [
            "{Dish} estaba muy sabroso y bien servido.",
            "Muy buena comida casera y precios justos.",
            "El mesero fue atento, aunque la comida tardó un poco.",
            "Recomendable, las salsas son muy buenas y las tortillas están hechas a mano.",
            "Buen ambiente y buena música, ideal para comer con calma.",
            "Los postres están muy ricos, sobre todo el flan.",
        ],
        "Attractive": [
            "{Place} es muy bonito y vale la pena la visita.",
            "El recorrido es agradable y el guía explicó muy bien la historia.",
            "Muy recomendable, solo lleguen temprano porque se llena.",
            "Las vistas son muy buenas y el lugar está bien cuidado.",
            "Nos gustó mucho, aunque el acceso es un poco complicado.",
            "Un paseo muy bonito para hacer en familia.",
        ],
        "any": [
            "Muy buena experiencia en general.",
            "Lo recomiendo, con algunos detalles por mejorar.",
            "Nos la pasamos muy bien.",
            "Muy recomendable.",
            "Buena opción en el pueblo.",
        ],
        "closing": ["Seguramente regresaremos.", "Lo recomendaría a mis amigos.", "Vale la pena.",
                    "Con un par de mejoras sería perfecto."],
    },
    5: {
        "Hotel": [
            "La habitación estaba impecable y la vista era espectacular.",
            "Excelente atención desde la llegada, nos trataron como de la familia.",
            "El desayuno es delicioso y el personal siempre está al pendiente.",
            "Perfecto para descansar: silencioso, limpio y con una cama comodísima.",
            "Todo fue perfecto, desde la reservación hasta la salida.",
            "Los detalles en la habitación y la atención de la dueña hicieron la estancia "
            "inolvidable.",
        ],
        "Restaurant": [
            "{Dish} es lo mejor que he probado en mi vida.",
            "Excelente comida, excelente servicio y un ambiente maravilloso.",
            "Todo estaba delicioso, desde las entradas hasta el postre.",
            "La atención del mesero fue de diez y la comida increíble.",
            "Sabores auténticos y porciones generosas, una joya del pueblo.",
            "Perfecto para una cena especial, la terraza tiene una vista increíble.",
        ],
        "Attractive": [
            "{Place} es impresionante, uno de los lugares más hermosos que he visitado.",
            "Una experiencia maravillosa, el paisaje te deja sin palabras.",
            "El guía fue excelente y el recorrido superó nuestras expectativas.",
            "Perfecto en todos los sentidos, vale cada peso.",
            "Increíble, un lugar mágico que hay que visitar al menos una vez.",
            "El atardecer desde ahí es lo más bonito que hemos visto.",
        ],
        "any": [
            "Excelente en todo.",
            "Una experiencia perfecta.",
            "Lo mejor de nuestro viaje.",
            "Simplemente maravilloso.",
            "Superó todas nuestras expectativas.",
        ],
        "closing": ["Volvería sin duda.", "Cien por ciento recomendable.",
                    "Ya estamos planeando regresar.", "No se lo pierdan."],
    },
}

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

"""The README's "What happens with bad input" table quotes what the data scripts really print."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
SONG = "<|startsong|>\nhola mundo esto es una cancion larga de prueba con muchas palabras\n<|endsong|>\n"
GOOD = "Review,Polarity\n" + "".join(f"texto numero {i} muy bueno,{1 + i % 5}\n" for i in range(200))

# file name -> bytes, as in the README's examples
CASES = {
    "u16.txt": SONG.encode("utf-16-le"),
    "nomark.txt": "canción sin marcas\nlinea dos\n".encode("cp1252"),
    "r1.csv": b"Opinion,Polarity\nbuena,5\n",
    "r2.csv": b"Review,Polarity,Review\nbuena,5,x\n",
    "r3.csv": b" Review,Polarity\nbuena,5\n",
    "r4.csv": (GOOD + "texto sin etiqueta,NA\notro sin etiqueta,\nNA,3\nnan,2\n").encode(),
    "r5.csv": ("Review,Polarity\n" + "".join(f"texto {i},{1 if i < 50 else 2}\n" for i in range(51))).encode(),
    "r6.csv": ("Review,Polarity\n" + "".join(f"texto {i},1\n" for i in range(30))).encode(),
}


def first_line(name: str, tmp_path: Path) -> str:
    (tmp_path / name).write_bytes(CASES[name])
    if name.endswith(".txt"):
        args = ["clean_lyrics.py", "--input", name, "--output", "o/c.txt", "--stats", "o/s.json", "--histogram",
                "o/h.png"]
    else:
        args = ["split_reviews.py", "--input", name, "--outdir", f"o/{name}"]
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / args[0]), *args[1:]], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    error = re.search(r"^ERROR: (.*)$", proc.stderr, re.M)
    return error[1] if error else proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_readme_quotes_the_message(name, tmp_path):
    line = first_line(name, tmp_path)
    if name == "r4.csv":
        line = line.split(";")[0]  # the split sizes follow
    quoted = line.replace("|", "\\|")
    assert quoted in README, f"README's bad-input table should quote: {quoted}"

"""Script-independent name keys.

The same person is written Абдуллаев, Abdullaev or Abdullayev depending on who
typed it. A key transliterates Cyrillic (Russian, Kyrgyz) to Latin and folds
the spellings that romanisation systems disagree on, so that Postgres trigram
similarity compares sounds rather than alphabets.
"""

import re
import unicodedata

from anyascii import anyascii

# Applied in order, after transliteration and lower-casing. Each pair maps
# alternative romanisations of one sound to a single spelling.
_FOLDS = (
    ("dzh", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("shch", "sh"),
    ("tch", "ch"),
    ("ts", "c"),
    ("yu", "u"),
    ("iu", "u"),
    ("ya", "a"),
    ("ia", "a"),
    ("yo", "o"),
    ("ye", "e"),
    ("ie", "e"),
    ("y", "i"),
    ("w", "v"),
    ("q", "k"),
    ("x", "h"),
    ("gh", "g"),
)
_NOT_LETTER = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_DOUBLED = re.compile(r"([a-z])\1+")


def name_key(*parts: str) -> str:
    """Fold the given name parts into one comparable key ('' if nothing is left)."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKC", text)
    # The soft and hard signs romanise to apostrophes; they carry no sound.
    text = anyascii(text).lower().replace("'", "").replace('"', "")
    for old, new in _FOLDS:
        text = text.replace(old, new)
    text = _NOT_LETTER.sub(" ", text)
    text = _DOUBLED.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def alias_key(aliases: list[str]) -> str:
    return " | ".join(k for k in (name_key(a) for a in aliases) if k)

"""Pseudonyms: how they are compared, which are allowed, and friendly suggestions."""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 3
MAX_LENGTH = 30

# Zero-width and bidirectional controls make two different names look identical or
# reorder what is shown; they are refused outright, before normalisation could hide them.
INVISIBLE_OR_BIDI = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)

# Names a member could use to pass as the people who run the site.
STAFF_WORDS = (
    "admin",
    "admins",
    "administrator",
    "moderator",
    "moderators",
    "mod",
    "mods",
    "staff",
    "sysop",
    "ownpace",
    "official",
)

# Digits and signs people use to dress letters up ("adm1n", "m0d").
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})

ADJECTIVES = (
    "Quiet",
    "Gentle",
    "Brave",
    "Calm",
    "Steady",
    "Kind",
    "Soft",
    "Patient",
    "Hopeful",
    "Bright",
    "Warm",
    "Tender",
    "Bold",
    "Easy",
    "Sunny",
    "Still",
    "Clear",
    "Golden",
    "Silver",
    "Little",
    "Slow",
    "Wise",
    "Cosy",
    "Mellow",
)
NOUNS = (
    "Heron",
    "Willow",
    "Fern",
    "Otter",
    "River",
    "Meadow",
    "Sparrow",
    "Maple",
    "Harbor",
    "Lantern",
    "Pebble",
    "Robin",
    "Clover",
    "Moss",
    "Finch",
    "Tide",
    "Birch",
    "Wren",
    "Juniper",
    "Poppy",
    "Cedar",
    "Brook",
    "Dune",
    "Lark",
)


def pseudonym_key(pseudonym: str) -> str:
    """The form two pseudonyms are compared in: NFKC-normalised, then case-folded."""
    return unicodedata.normalize("NFKC", pseudonym).casefold()


@lru_cache(maxsize=4096)
def skeleton(text: str) -> str:
    """What a name looks like to a reader, so look-alikes of staff names compare equal.

    Each character with a Latin homoglyph (Cyrillic "а", Greek "ο", ...) becomes that
    Latin letter, digits become the letters they imitate, and "l" and "i" are one letter.
    """
    # Look-alikes are found before case-folding: a capital Greek "Μ" resembles "M", its
    # small form "μ" resembles no Latin letter.
    normalised = unicodedata.normalize("NFKC", text)
    latin = "".join(_latin_look_alike(char) for char in normalised).casefold()
    return latin.translate(LEET).replace("l", "i")


def _latin_look_alike(char: str) -> str:
    if char.isascii():
        return char
    found = confusables.is_confusable(char, preferred_aliases=["latin"], greedy=True)
    for homoglyph in found[0]["homoglyphs"] if found else ():
        if homoglyph["c"].isascii() and homoglyph["c"].isalpha():
            return str(homoglyph["c"])
    return char


STAFF_SKELETONS = tuple(skeleton(word) for word in STAFF_WORDS)
CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")


def imitates_staff(pseudonym: str) -> bool:
    """True for "admin", "Adm1n", "the_moderator", "StaffTeam", "аdmin" (Cyrillic а)...

    A name is split into its words (at "_", "-" and lower-to-upper case changes); a word,
    or the whole name squeezed together, that looks like a staff word is refused, as is a
    name that starts with one of the longer staff words. "Badminton" stays allowed.
    """
    words = [w for w in re.split(r"[_\-]+", CAMEL_BOUNDARY.sub("_", pseudonym)) if w]
    # Trailing digits are a number ("admin42"); leading ones may be dressed-up letters.
    candidates = {skeleton(w.rstrip("0123456789")) for w in words}
    squeezed = skeleton(re.sub(r"[_\-]", "", pseudonym).rstrip("0123456789"))
    candidates.add(squeezed)
    if candidates & set(STAFF_SKELETONS):
        return True
    return any(squeezed.startswith(s) for s in STAFF_SKELETONS if len(s) >= 5)


def validate_pseudonym(pseudonym: str) -> None:
    """Raise ValidationError with every reason this pseudonym cannot be used."""
    if INVISIBLE_OR_BIDI.search(pseudonym):
        raise ValidationError(
            _("Please remove invisible or text-direction characters from the pseudonym."),
            code="invisible",
        )
    normalised = unicodedata.normalize("NFKC", pseudonym)
    if not MIN_LENGTH <= len(normalised) <= MAX_LENGTH:
        raise ValidationError(
            _("A pseudonym is %(min)d to %(max)d characters long."),
            code="length",
            params={"min": MIN_LENGTH, "max": MAX_LENGTH},
        )
    # Letters of any script, digits, "_" and "-", judged after NFKC so that full-width
    # letters count as the letters they stand for.
    if not all(char.isalnum() or char in "_-" for char in normalised):
        raise ValidationError(
            _("Use letters, digits, “_” and “-” only (no spaces or other signs)."),
            code="characters",
        )
    if imitates_staff(normalised):
        raise ValidationError(
            _("That name could be mistaken for someone who runs the site. Please choose another."),
            code="staff",
        )


def suggest_pseudonyms(count: int = 3) -> list[str]:
    """Friendly names like "QuietHeron42": two words and a number, nothing personal."""
    names: list[str] = []
    while len(names) < count:
        name = f"{secrets.choice(ADJECTIVES)}{secrets.choice(NOUNS)}{secrets.randbelow(90) + 10}"
        if name not in names:
            names.append(name)
    return names

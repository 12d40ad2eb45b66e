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


# Letters that Unicode's confusables data leaves alone but a reader does not: small
# capitals and the Latin alpha.
EXTRA_LOOK_ALIKES = str.maketrans(
    {
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h",
        "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p",
        "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
        "ɑ": "a",
    }
)  # fmt: skip
DIGITS = "0123456789"


@lru_cache(maxsize=4096)
def skeleton(text: str) -> str:
    """What a name looks like to a reader, so look-alikes of staff names compare equal.

    Each character with a Latin homoglyph (Cyrillic "а", Greek "ο", small capital "ᴀ")
    becomes that Latin letter, accents are dropped, digits become the letters they
    imitate, "rn" reads as "m", and "l" and "i" are one letter.
    """
    # Look-alikes are found before case-folding: a capital Greek "Μ" resembles "M", its
    # small form "μ" resembles no Latin letter.
    normalised = unicodedata.normalize("NFKC", text).translate(EXTRA_LOOK_ALIKES)
    latin = "".join(_latin_look_alike(char) for char in normalised)
    bare = "".join(
        char for char in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(char)
    )
    return bare.casefold().translate(LEET).replace("rn", "m").replace("l", "i")


def _latin_look_alike(char: str) -> str:
    if char.isascii():
        return char
    found = confusables.is_confusable(char, preferred_aliases=["latin"], greedy=True)
    for homoglyph in found[0]["homoglyphs"] if found else ():
        if homoglyph["c"].isascii() and homoglyph["c"].isalpha():
            return str(homoglyph["c"])
    return char


STAFF_SKELETONS = frozenset(skeleton(word) for word in STAFF_WORDS)
# Long staff words are refused anywhere at the start or end of a name ("siteadmin",
# "themoderator"); short ones ("mod") only as a word of their own, so "Modest" is fine.
LONG_STAFF_SKELETONS = tuple(word for word in STAFF_SKELETONS if len(word) >= 5)
CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _readings(word: str) -> set[str]:
    # Digits at either end may be a number ("admin42", "42admin") or dressed-up letters
    # ("5taff"): every reading is checked.
    return {skeleton(word), skeleton(word.strip(DIGITS)), skeleton(word.rstrip(DIGITS))}


def imitates_staff(pseudonym: str) -> bool:
    """True for "admin", "Adm1n", "the_moderator", "siteadmin", "аdmin" (Cyrillic а)...

    A name is read as its words (split at "_", "-" and lower-to-upper case changes) and as
    a whole squeezed together; "Badminton" stays allowed.
    """
    words = [w for w in re.split(r"[_\-]+", CAMEL_BOUNDARY.sub("_", pseudonym)) if w]
    readings = _readings(re.sub(r"[_\-]", "", pseudonym))
    for word in words:
        readings |= _readings(word)
    if readings & STAFF_SKELETONS:
        return True
    return any(
        reading.startswith(staff) or reading.endswith(staff)
        for reading in readings
        for staff in LONG_STAFF_SKELETONS
    )


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

"""Wellbeing signposting: when a draft mentions self-harm, suicide or assault, the composer
gently shows the "Get help now" resources.

It is a kindness, not a rule. It never blocks or holds a post, never alerts anyone, and
keeps nothing: the check runs in the browser as the member types (static/js/signposting.js)
and again on the server whenever the composer comes back with a draft (a preview, a
mistake to fix, a confirmation), so it works without JavaScript too. Neither side stores,
logs or counts a match.

Both sides match the same way, so the list below is the single source: the composer
carries it in a data attribute. A draft and each term are normalised alike (lower case,
curly apostrophes made straight, every run of anything that is not a letter, a digit or
an apostrophe made one space); a term matches as whole words at a word start, and a term
ending in "*" matches any word that begins with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

# Maintained by the moderators with the team: add the words members actually use, prefer
# whole phrases to short stems (a stem such as "rap*" would catch "rapport"), and keep the
# everyday words of treatment (pain, hurt, force, dilator) out, so the box stays rare
# enough to mean something.
SUICIDE = (
    "suicid*",
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "end it all",
    "take my own life",
    "taking my own life",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "better off without me",
    "no reason to live",
    "don't want to live",
    "dont want to live",
    "don't want to be alive",
    "dont want to be alive",
)
SELF_HARM = (
    "self harm*",
    "selfharm*",
    "harm myself",
    "harming myself",
    "hurt myself on purpose",
    "hurting myself on purpose",
    "cut myself",
    "cutting myself",
    "burn myself",
    "burning myself",
    "overdose*",
)
ASSAULT = (
    "rape",
    "raped",
    "rapes",
    "raping",
    "rapist*",
    "sexual assault*",
    "sexually assault*",
    "assaulted me",
    "sexual abuse",
    "sexually abused",
    "abused me",
    "molest*",
    "forced himself on me",
    "forced herself on me",
    "forced themselves on me",
    "forced me to have sex",
    "made me have sex",
    "without my consent",
    "didn't consent",
    "did not consent",
)
TERMS: tuple[str, ...] = SUICIDE + SELF_HARM + ASSAULT

_NOT_A_WORD = re.compile(r"(?:[^\w']|_)+")


def _normalise(text: str) -> str:
    return _NOT_A_WORD.sub(" ", text.lower().replace("\u2019", "'")).strip()


def _pattern(terms: Iterable[str]) -> re.Pattern[str]:
    alternatives = []
    for term in terms:
        stem = term.endswith("*")
        words = re.escape(_normalise(term.rstrip("*")))
        alternatives.append(words if stem else rf"{words}(?![\w'])")
    return re.compile(rf"(?<![\w'])(?:{'|'.join(alternatives)})")


_MATCHER = _pattern(TERMS)


def mentions_crisis(*texts: str) -> bool:
    """Whether any of the texts (a draft's title and body) uses a term from the list."""
    return any(_MATCHER.search(_normalise(text)) for text in texts if text)


def terms_json() -> str:
    """The list as the composer's data attribute carries it to the browser."""
    return json.dumps(TERMS)

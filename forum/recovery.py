"""Recovery codes: the way back into an account that has no email address.

A code carries 60 random bits, so a keyed SHA-256 (HMAC with the site secret) is enough
to keep stored codes useless to anyone who reads the database, and it lets a code be
found by its hash in one indexed query instead of trying a slow hash against every row.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

CODES_PER_SET = 10
# Crockford's base32 letters: no I, L, O or U to misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 3
GROUP_LENGTH = 4


def new_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def normalise(code: str) -> str:
    """Accept a code as people type it: any case, with or without dashes and spaces."""
    cleaned = "".join(char for char in code.upper() if char.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return cleaned


def code_hash(code: str) -> str:
    return salted_hmac("ownpace.recovery-code", normalise(code), algorithm="sha256").hexdigest()

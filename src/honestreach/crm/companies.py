"""Company names as people write them, and whether two name the same company.

"Acme" in an email and "Acme Robotics, Inc." in the CRM are one company; "Meta" and
"Metabase", "Apple" and "Pineapple", "Box" and "Dropbox" are not. A name is compared by its
words: legal forms are removed first (cleanco knows "Inc.", "Ltd", "GmbH", "S.A.", "& Co. KG"
and hundreds more, in many countries), then case, accents and punctuation go, "&" is "and"
and a leading "the" is dropped. Two names are the same company when

- their words are the same ("Tallis Freight Ltd" and "tallis freight");
- one is the other's leading words ("Acme" and "Acme Robotics": people shorten names from
  the end, never from the start);
- written together they are the same ("Data Bricks" and "Databricks");
- or, for names of ``TYPO_MIN_LETTERS`` letters or more, they differ by one typo (a letter
  missing, added, changed, or two swapped: "Harrowgate" and "Harowgate"). Short names get no
  such tolerance: one letter is what tells "Hexa" from "Hera".

Imported by the claim checks only, so that a run the cache answers does not load cleanco.
"""

from __future__ import annotations

import re
import unicodedata

from cleanco import basename
from rapidfuzz.distance import OSA

# Letters a name (its words written together) needs before one typo is tolerated.
TYPO_MIN_LETTERS = 8

_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['’]s?$")


def company_words(name: str) -> tuple[str, ...]:
    """The words that name the company: 'The Acme & Sons Group, Inc.' -> ('acme', 'and',
    'sons', 'group'), "Pemberton's" -> ('pemberton',). A name that is only a legal form
    ('Inc.') keeps its words."""
    base = _POSSESSIVE.sub("", basename(name.strip()) or name.strip())
    plain = "".join(c for c in unicodedata.normalize("NFKD", base.casefold())
                    if not unicodedata.combining(c))
    words = _WORD.findall(plain.replace("&", " and "))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    # cleanco leaves the "and" of "Acme and Co."
    while len(words) > 1 and words[-1] == "and":
        words.pop()
    return tuple(words)


def same_company(said: str, recorded: str) -> bool:
    """Whether ``said`` (a name in a message) and ``recorded`` (the CRM's) name one company."""
    said_words, recorded_words = company_words(said), company_words(recorded)
    if not said_words or not recorded_words:
        return False
    shorter, longer = sorted((said_words, recorded_words), key=len)
    if longer[:len(shorter)] == shorter:
        return True
    said_joined, recorded_joined = "".join(said_words), "".join(recorded_words)
    if said_joined == recorded_joined:
        return True
    return min(len(said_joined), len(recorded_joined)) >= TYPO_MIN_LETTERS and \
        OSA.distance(said_joined, recorded_joined) <= 1

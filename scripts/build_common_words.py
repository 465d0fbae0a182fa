"""Build ``src/honestreach/data/common_words.txt``: ordinary English words, most frequent first.

    python scripts/build_common_words.py

A word is listed when its log probability in spacy-lookups-data's English lexeme table is at
least FREQUENT, or at least THRESHOLD when the package's lemma table knows it (so it is a word
with inflections, not a name or a brand). The shouting check uses the list to tell "NEEDS" (an ordinary word
written in capitals) from "HITEC" (a name). spacy-lookups-data is MIT-licensed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import spacy_lookups_data

THRESHOLD = -13.0
# Words the lemma table does not list (they have no inflections: "urgent", "important") count
# when they are this frequent: names and brands are rarer.
FREQUENT = -11.0
DATA = Path(spacy_lookups_data.__file__).parent / "data"
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "honestreach" / "data" / "common_words.txt"


def main() -> None:
    with gzip.open(DATA / "en_lemma_lookup.json.gz", "rt", encoding="utf-8") as handle:
        lemmas: dict[str, str] = json.load(handle)
    with gzip.open(DATA / "en_lexeme_prob.json.gz", "rt", encoding="utf-8") as handle:
        probability: dict[str, float] = json.load(handle)
    known = {w.lower() for pair in lemmas.items() for w in pair if w.isalpha() and w.isascii()}
    common = sorted((w for w, p in probability.items()
                     if w.isalpha() and w.isascii() and w.islower()
                     and (p >= FREQUENT or (w in known and p >= THRESHOLD))),
                    key=lambda w: (-probability[w], w))
    header = ("# Ordinary English words, most frequent first; built by "
              "scripts/build_common_words.py\n# from spacy-lookups-data (MIT licence): words of "
              f"its lexeme table with a log probability >= {FREQUENT},\n# or >= {THRESHOLD} for words of its lemma table.\n")
    OUTPUT.write_text(header + "\n".join(common) + "\n", encoding="utf-8")
    print(f"{OUTPUT}: {len(common)} words")


if __name__ == "__main__":
    main()

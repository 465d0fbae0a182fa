"""Train the sentence model (src/honestreach/data/sentence_model.json) from the sentences in
training/sentences.

    python scripts/train_sentence_model.py [--check]

``--check`` trains and compares with the file instead of writing it (exit 1 when they differ).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from honestreach.sentencemodel import MODEL_PATH, model_document, read_training, train

TRAINING = Path(__file__).resolve().parent.parent / "training" / "sentences"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    training, sources = read_training(TRAINING)
    document = model_document(train(training), sources)
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if args.check:
        same = MODEL_PATH.read_text(encoding="utf-8") == text
        print("the model file matches its training sentences" if same else
              "the model file differs from what its training sentences give: train it again")
        return 0 if same else 1
    MODEL_PATH.write_text(text, encoding="utf-8")
    sizes = {name: len(texts) for name, texts in training.tactics.items()}
    print(f"wrote {MODEL_PATH}: tactic and claim sentences {sizes}, no-tactic sentences "
          f"{len(training.others)}, claimless sentences {len(training.claimless)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A body of megabytes is checked, in part: the Python checks (compliance, emphasis, scores)
read its head and its tail, say so in a note, and report their findings at their places in the
whole text. Real files, written here: a 3 MB ``.eml`` and a 3 MB template."""

from __future__ import annotations

from pathlib import Path

from honestreach.longtext import HEAD_CHARS, TAIL_CHARS, bounded, squeezed

# Commercial filler that raises its voice in every sentence: the exclamation check must find it
# in the head. No opt-out and no address in it.
FILLER = "Buy the spring plan at $49 a seat and save 20% this quarter!\n"
REPEATS = 50_000  # 3.2 MB
OPENING = "Hi Dana,\n\nBig news today!\n\n"
# In the tail: a way to opt out, and a sign-off with no postal address after it.
FOOTER = "\nTo stop these emails, reply STOP.\n\nBest regards,\nSam Ortiz\nBrightline Sales\n"
NOTES = [
    "the body is {n:,} characters long: the phrase rules read its first 100,000",
    "the body is {n:,} characters long: the compliance, emphasis and score checks read its "
    "first 100,000 and last 20,000",
]


def _rules(result: dict) -> dict[str, dict]:
    return {finding["rule"]: finding for finding in result["findings"]}


def test_bounded_keeps_length_head_and_tail() -> None:
    text = "a" * HEAD_CHARS + "b\nc" * 50_000 + "z" * TAIL_CHARS
    kept = bounded(text)
    assert len(kept) == len(text)
    assert kept[:HEAD_CHARS] == text[:HEAD_CHARS]
    assert kept[-TAIL_CHARS:] == text[-TAIL_CHARS:]
    assert kept[HEAD_CHARS:-TAIL_CHARS].strip() == "" and kept.count("\n") == 2
    assert bounded("short text") == "short text"


def test_squeezed_drops_only_the_blanked_middle() -> None:
    text = "a " * HEAD_CHARS + "b\nc" * 50_000 + "z " * TAIL_CHARS
    kept = bounded(text)
    short = squeezed(kept)
    assert short == kept[:HEAD_CHARS] + "\n\n" + kept[-TAIL_CHARS:]
    # The start of a bounded text, cut inside its tail or its middle (a body above a sign-off).
    cut = len(text) - 100
    assert squeezed(kept[:cut], len(kept)) == kept[:HEAD_CHARS] + "\n\n" + kept[-TAIL_CHARS:-100]
    assert squeezed(kept[:HEAD_CHARS + 500], len(kept)) == kept[:HEAD_CHARS] + "\n"
    # Text that was not bounded, or whose middle is not blank, stays whole.
    assert squeezed("short text") == "short text"
    assert squeezed(text) == text
    assert squeezed(kept[:HEAD_CHARS + 1] + "x" + kept[HEAD_CHARS + 2:]) != short


def test_a_multi_megabyte_eml_is_checked_at_both_ends(honestreach, tmp_path: Path) -> None:
    body = OPENING + FILLER * REPEATS + FOOTER
    path = tmp_path / "huge.eml"
    path.write_text("From: Sam Ortiz <sam@brightline.example>\nTo: dana@example.com\n"
                    "Subject: Spring plans\nContent-Type: text/plain; charset=utf-8\n\n" + body,
                    encoding="utf-8")
    run = honestreach("check", "--no-cache", "--date", "2026-06-01", "--format", "json",
                      str(path))
    (result,) = run.json["files"]
    assert result["checked"] and result["errors"] == []
    assert [note["message"] for note in result["notes"]] == \
        [note.format(n=len(body)) for note in NOTES]
    found = _rules(result)
    # The head: the first exclamation mark, on line 8 of the file ("Big news today!").
    assert found["exclamation-overload"]["line"] == 8
    assert found["exclamation-overload"]["text"] == "today!"
    # The tail: its opt-out is seen, its missing address is reported at the sign-off, on the
    # file's third line from the end.
    assert "missing-unsubscribe" not in found
    lines = path.read_text(encoding="utf-8").splitlines()
    address = found["missing-postal-address"]
    assert address["line"] == len(lines) - 2 and address["text"] == "Best regards,"
    assert result["scores"]["respect"] < 100


def test_a_multi_megabyte_template_is_checked_as_written(honestreach, tmp_path: Path) -> None:
    body = OPENING.replace("Dana", "{{ contact.first_name }}") + FILLER * REPEATS + FOOTER
    path = tmp_path / "huge.txt.j2"
    text = "Subject: Spring plans\n\n" + body
    path.write_text(text, encoding="utf-8")
    run = honestreach("check", "--no-cache", "--date", "2026-06-01", "--format", "json",
                      str(path))
    (result,) = run.json["files"]
    assert result["checked"] and result["errors"] == []
    assert [note["message"] for note in result["notes"]] == [NOTES[1].format(n=len(text))]
    # Its output is longer than a rendering may be: the template is read as written (its whole
    # file is the literal body), and that the rendering stopped is shown, though a static
    # finding sits on the same line.
    found = _rules(result)
    assert found["template-render-limit"]["line"] == 3
    assert found["template-unguarded-variable"]["line"] == 3
    assert result["scores"]["respect"] < 100

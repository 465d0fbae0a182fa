"""``--redact``: every address form and every name form the run knows is masked, in every
output format and in file names; nothing else is."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from honestreach.crm import load_crm
from honestreach.redact import NameIndex, Redactor, _Names, redact_addresses

PRIVACY = Path(__file__).parent / "fixtures" / "reliability" / "privacy"
# Every name and address part the fixture's CRM and messages hold (whole words, any case).
SECRETS = re.compile(
    r"\b(?:jordan|quayle|ingrid|hagebakken|cruz|delacruz|dyke|vandyke|pieter|tobias|wren|"
    r"siobhan|o'brien|zo[eë]|[aå]berg|anne|annemarie|dupont|mar[ií]a|kim)\b|"
    r"localhost|192\.0\.2\.7|%40|&#64;|\(at\)|nordfjord|polder|liffey|seine|fjall|sol\.example",
    re.IGNORECASE)


@pytest.mark.parametrize("address", [
    "ingrid.hagebakken@nordfjord.example.com",
    "INGRID.HAGEBAKKEN@NORDFJORD.EXAMPLE.COM",
    "ingrid#vip@nordfjord.example.com",
    "pieter/vandyke@polder.example.com",
    '"maria delacruz"@sol.example.com',
    "siobhan@[192.0.2.7]",
    "zoe.aberg@localhost",
    "tobias.wren%40wren.example.com",
    "annemarie&#64;seine.example.com",
    "annemarie&#x40;seine.example.com",
    "annemarie&commat;seine.example.com",
    "jordan.quayle(at)quayle.example.com",
    "jordan.quayle [at] quayle.example.com",
    "zoë.åberg@fjäll.example.com",
])
def test_every_address_form_is_masked(address: str) -> None:
    text = f"Write to {address}, or mailto:{address}; <{address}>."
    assert redact_addresses(text) == "Write to <email>, or mailto:<email>; <<email>>."


@pytest.mark.parametrize("text", [
    "@SUM(1) and @mentions", "Look (at) this", "50% off at 5pm", "email me", "a@", "@b.com",
    "Only 3 spots left.", 'She said "yes"@ once',
])
def test_what_is_not_an_address_stays(text: str) -> None:
    assert redact_addresses(text) == text


def test_the_address_search_takes_linear_time() -> None:
    hostile = ("a" * 300 + "@") * 3000 + "!#$%&'*+/=?^_`{|}~" * 20000 + "%40" * 50000
    started = time.perf_counter()
    redact_addresses(hostile)
    assert time.perf_counter() - started < 2.0


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(load_crm(str(PRIVACY / "crm")))


@pytest.mark.parametrize(("text", "expected"), [
    ("JORDAN QUAYLE AND INGRID HAGEBAKKEN MUST SEE THIS", "<name> AND <name> MUST SEE THIS"),
    ("your colleague jordan quayle (Jordan Quayle)", "your colleague <name> (<name>)"),
    ("María de la Cruz, Ms. Cruz, Señora de la Cruz", "<name>, Ms. <name>, Señora <name>"),
    ("maria de la cruz and MARIA DE LA CRUZ", "<name> and <name>"),
    ("Pieter Van Dyke and Mr. Dyke, pieter van dyke", "<name> and Mr. <name>, <name>"),
    ("Siobhan O'Brien, Siobhan O’Brien", "<name>, <name>"),
    ("Zoë Åberg, Zoe Aberg, ZOË", "<name>, <name>, <name>"),
    ("Anne-Marie Dupont, anne-marie", "<name>, <name>"),
    ("hi jordan, dear ingrid", "hi <name>, dear <name>"),
    ("INGRID, your colleague", "<name>, your colleague"),
    # Possessives, and a lower-case name word with an accent (no English word has one).
    ("Van Dyke's team and Ingrid’s notes", "<name> team and <name> notes"),
    ("maría, the summit; zoë", "<name>, the summit; <name>"),
    # What stays: a particle alone, a lower-case name word alone, other capitals.
    ("de la mer, la cruz, van gogh", "de la mer, la cruz, van gogh"),
    ("the wren sang in the hedge", "the wren sang in the hedge"),
    ("ONLY 3 SPOTS LEFT FOR DANA", "ONLY 3 SPOTS LEFT FOR DANA"),
])
def test_every_name_form_is_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.text(text) == expected


def test_names_the_message_gives() -> None:
    from honestreach.redact import names_in_message

    message = ("To: \"Ravi Menon\" <ravi@example.com>\nSubject: Hello\n\nHi Leona,\n\n"
               "Hi there, the notes.\n\nBest regards,\nKim Larsen\n")
    names = _Names(names_in_message(message))
    assert names.redact("Ravi, Leona, Kim Larsen, LARSEN, there") == \
        "<name>, <name>, <name>, <name>, there"
    # A title after the greeting is not a name.
    titled = names_in_message("Hi Mr. Menon,\n\nThe notes.")
    assert titled.words == {"menon"}
    last = _Names(names_in_message("Hello,\n\nThe notes.\n\nKim\n"))
    assert last.redact("Kim and kim") == "<name> and kim"
    assert not _Names(names_in_message("Hello,\n\nThe notes.\n\nThanks\n"))


def test_an_address_given_as_a_name_is_not_split_into_words() -> None:
    index = NameIndex(["kim@example.com", "Leona Park"])
    assert "com" not in index.words and "example" not in index.words
    assert index.phrases == {("leona", "park")}


def _outputs(honestreach, folder: Path, *files: str) -> dict[str, str]:
    shown = {}
    for output in ("text", "json", "sarif", "github"):
        run = honestreach("check", "--no-cache", "--no-color", "--redact", "--crm", "crm",
                          *files, "--format", output, cwd=folder)
        assert run.code == 1, run.stderr
        shown[output] = run.stdout
    # SARIF's rule descriptions are the rules' documentation, not what the run read.
    sarif = json.loads(shown["sarif"])
    del sarif["runs"][0]["tool"]
    shown["sarif"] = json.dumps(sarif, ensure_ascii=False)
    return shown


def test_no_name_or_address_gets_through_any_format(honestreach, tmp_path: Path) -> None:
    folder = tmp_path / "privacy"
    shutil.copytree(PRIVACY, folder)
    shown = _outputs(honestreach, folder, "shout.txt", "page.html")
    for output, text in shown.items():
        assert SECRETS.findall(text) == [], output
        assert "<name>" in text, output
    assert "<email>" in shown["text"] and "<email>" in shown["json"]


def test_file_names_are_redacted(honestreach, tmp_path: Path) -> None:
    folder = tmp_path / "privacy"
    shutil.copytree(PRIVACY, folder)
    (folder / "shout.txt").rename(folder / "Ingrid Hagebakken.txt")
    (folder / "page.html").rename(folder / "zoe.aberg@fjall.example.com.html")
    shown = _outputs(honestreach, folder, "Ingrid Hagebakken.txt",
                     "zoe.aberg@fjall.example.com.html")
    for output, text in shown.items():
        assert SECRETS.findall(text) == [], output
    assert "<name>.txt:6:1:" in shown["text"] and "file=<email>," in shown["github"]

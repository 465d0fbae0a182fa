"""The compiled rule set kept between runs: served when nothing changed, never when anything did."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from honestreach import cachefiles, rulecache
from honestreach.rulecache import cached_rules, fingerprint

USER_RULE = """\
id: user-gift-card
name: Gift card bait
category: deception
severity: warning
message: "A gift card for a meeting buys attention, not interest."
rationale: A reader who takes a call for a voucher came for the voucher.
suggestion: Say what the call is about and why it is worth their time.
patterns:
  - sequence: ["{gift-thing}", "for", "(a|your)", "(quick)", "call"]
examples:
  bad: ["A $50 voucher for a quick call this week.", "Take a gift card for your call with us."]
  good: ["A short call this week?", "The voucher you won at the fair is attached."]
"""
USER_VOCAB = "gift-thing: [voucher, gift card, coupon]\n"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("HONESTREACH_RULE_CACHE", str(folder))
    return folder


@pytest.fixture
def user_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    (folder / "vocab").mkdir(parents=True)
    (folder / "user-gift-card.yaml").write_text(USER_RULE)
    (folder / "vocab" / "gifts.yaml").write_text(USER_VOCAB)
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("rules-*.pickle"))


def test_a_second_load_is_served_from_the_cache(cache_dir: Path, user_rules: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = cached_rules([user_rules])
    (entry,) = entries(cache_dir)
    assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0
    monkeypatch.setattr(rulecache, "load_rules", lambda *a, **k: pytest.fail("compiled again"))
    monkeypatch.setattr(rulecache, "_IN_MEMORY", {})  # as a new process: read from the file
    second = cached_rules([user_rules])
    assert second is not first
    assert [r.id for r in second.rules] == [r.id for r in first.rules]
    assert "user-gift-card" in second.ids


def test_the_sentence_model_is_kept_with_the_set(cache_dir: Path, user_rules: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Read back with the rules, the model is not loaded from its JSON file again, and an
    engine given it scores as one that loads its own."""
    from honestreach import engine as engine_module
    from honestreach.engine import Engine
    from honestreach.message import message_from_text

    cached_rules([user_rules])
    monkeypatch.setattr(rulecache, "_IN_MEMORY", {})
    monkeypatch.setattr(engine_module, "load_model",
                        lambda *a, **k: pytest.fail("loaded the model file again"))
    ruleset = cached_rules([user_rules])
    assert ruleset.sentence_model is not None
    message = message_from_text("Hi Ana,\n\nI enjoyed our walk round your orchard last week.")
    kept = Engine(ruleset.rules, ruleset.vocabulary, sentence_model=ruleset.sentence_model)
    assert "meeting-model" in [claim.rule for claim in kept.check(message).claims]
    monkeypatch.undo()
    own = Engine(ruleset.rules, ruleset.vocabulary)
    assert kept.check(message) == own.check(message)


def test_a_second_load_in_one_process_shares_the_set(cache_dir: Path, user_rules: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first = cached_rules([user_rules])
    monkeypatch.setattr(rulecache, "_read", lambda path: pytest.fail("read the file again"))
    monkeypatch.setattr(rulecache, "load_rules", lambda *a, **k: pytest.fail("compiled again"))
    assert cached_rules([user_rules]) is first


def test_the_cached_set_finds_what_a_fresh_one_finds(cache_dir: Path, user_rules: Path) -> None:
    from honestreach.engine import Engine
    from honestreach.message import message_from_text

    message = message_from_text("Hi Ana,\n\nA $50 voucher for a quick call this week.", "Hi")
    cached_rules([user_rules])
    found = [f.rule for f in Engine(cached_rules([user_rules]).rules).check(message).findings]
    assert "user-gift-card" in found


def test_an_edited_rule_file_is_a_new_entry(cache_dir: Path, user_rules: Path) -> None:
    before = fingerprint((user_rules,))
    cached_rules([user_rules])
    (user_rules / "vocab" / "gifts.yaml").write_text(USER_VOCAB.replace("coupon", "coupon, token"))
    assert fingerprint((user_rules,)) != before
    assert "token" in " ".join(cached_rules([user_rules]).vocabulary.words("gift-thing"))
    assert len(entries(cache_dir)) == 2


@pytest.mark.parametrize("damage", ["flip", "truncate", "world-writable", "symlink", "fifo"])
def test_a_damaged_or_foreign_entry_is_ignored(cache_dir: Path, user_rules: Path,
                                               tmp_path: Path, damage: str) -> None:
    cached_rules([user_rules])
    (entry,) = entries(cache_dir)
    data = entry.read_bytes()
    if damage == "flip":
        middle = len(data) // 2
        entry.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:])
    elif damage == "truncate":
        entry.write_bytes(data[:1000])
    elif damage == "world-writable":
        entry.chmod(0o666)
    elif damage == "symlink":
        elsewhere = tmp_path / "elsewhere.pickle"
        elsewhere.write_bytes(data)
        entry.unlink()
        entry.symlink_to(elsewhere)
    else:
        entry.unlink()
        os.mkfifo(entry)
    assert rulecache._read(entry) is None
    ruleset = cached_rules([user_rules])  # compiled afresh, and nothing hangs
    assert "user-gift-card" in ruleset.ids and not ruleset.errors


def test_a_rule_set_with_errors_is_not_kept(cache_dir: Path, user_rules: Path) -> None:
    (user_rules / "broken.yaml").write_text("id: [unclosed\n")
    assert cached_rules([user_rules]).errors
    assert entries(cache_dir) == []


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HONESTREACH_RULE_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert rulecache.cache_folder() is None
    assert cached_rules().rules
    assert not any(tmp_path.iterdir())


def test_an_unwritable_cache_folder_does_not_stop_the_run(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HONESTREACH_RULE_CACHE", str(blocker / "cache"))
    assert cached_rules().rules


def test_only_the_most_recent_entries_are_kept(cache_dir: Path, user_rules: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cachefiles, "KEEP", 2)
    for number in range(4):
        (user_rules / "vocab" / "gifts.yaml").write_text(USER_VOCAB.replace("]", f", perk{number}]"))
        cached_rules([user_rules])
    assert len(entries(cache_dir)) == cachefiles.KEEP

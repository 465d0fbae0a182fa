"""The emoji check: alarm or hype emoji, or a string of emoji, in a field."""

from __future__ import annotations

from typing import Any, Iterable

import regex

from ...model import Message
from ..base import Hit
from .prose import body_prose, subject_prose

_EMOJI = regex.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}"  # flags
    r"|(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|[‼⁉⚠])"
    r"(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic}\uFE0F?)*"
)
# Emoji that raise an alarm or hype rather than set a tone.
ALARM_EMOJI = frozenset(
    "🚨⏰⏳⌛⏱⏲🔥💥‼⁉❗❕⚠📢📣🆘🛑⛔💰💸🤑💯🔔⚡☢☣💣🧨❌🤯😱"
)


def _emoji_hit(name: str, text: str, max_count: int, max_alarm: int) -> Hit | None:
    if text.isascii():
        return None
    found = [m for m in _EMOJI.finditer(text)]
    alarms = [m for m in found if m.group()[0] in ALARM_EMOJI]
    if len(alarms) > max_alarm:
        match, kind = alarms[0], "alarm emoji"
    elif len(found) > max_count:
        match, kind = found[0], "a string of emoji"
    else:
        return None
    return Hit(name, match.start(), match.end(),
               {"count": len(found), "kind": kind, "where": name})


def emoji_overload(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """At most one hit per field: more alarm emoji, or more emoji, than the field allows.

    A pair of emoji framing a phrase ("📣 News 📣") decorates it; a row of sirens sounds an
    alarm. Options: ``max_alarm`` (default 2 per field), ``max_subject`` (default 3) and
    ``max_body`` (default 5) emoji in all.
    """
    max_alarm = int(options.get("max_alarm", 2))
    hits = []
    subject = _emoji_hit("subject", subject_prose(message), int(options.get("max_subject", 3)),
                         max_alarm)
    if subject:
        hits.append(subject)
    body = _emoji_hit("body", body_prose(message), int(options.get("max_body", 5)), max_alarm)
    if body:
        hits.append(body)
    return hits

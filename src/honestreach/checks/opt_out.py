"""Whether a message offers a way to opt out: a List-Unsubscribe header, an unsubscribe link,
or the sender's words ("Reply STOP", "Unsubscribe: ...")."""

from __future__ import annotations

import re

from ..longtext import squeezed
from ..model import Message
from .own_text import own_text

# Ways of offering to stop, in any wording: a footer ("Unsubscribe: ..."), a request ("reply
# STOP", "send 'remove' as the subject"), a promise ("I won't write again"), a setting ("switch
# these off under Settings"), a question ("rather not hear from me?"), in several languages.
_OPT_OUT_TEXT = re.compile(
    r"""
      \bunsubscrib\w* | \bunsub\b
    | \bopt(?:ing)?[\s_-]?out\b | \boptout\b
    # 'Reply STOP', 'reply with "remove"', 'Just reply "stop".'
    | \b(?:reply|respond|text|write\ back|send|e-?mail)\b[^\n]{0,20}?
        (?:\b(?:stop|remove|cancel|unsubscribe)\b | ["“'‘«]\s*no\s*["”'’»])
    # '"REMOVE" in the subject', 'subject: unsubscribe'
    | \b(?:stop|remove|unsubscribe)\W{0,3}\s+(?:as|in)\s+(?:the\s+)?subject\b
    | \bsubject(?:\s+line)?\s*[:=]\s*\W{0,2}(?:stop|remove|unsubscribe)\b
    | \b(?:manage|update|change|edit|adjust|set)\s+(?:your\s+|my\s+)?
        (?:e-?mail\s+|mailing\s+|subscription\s+|communications?\s+|notification\s+|contact\s+
           |marketing\s+|promotional\s+|newsletter\s+)?
        (?:preferences|subscriptions?|settings)\b
    | \bmanage\s+(?:your\s+|my\s+|these\s+)?
        (?:e-?mail\s+|stock\s+|restock\s+|price\s+|marketing\s+|promotional\s+|promo\s+
           |newsletter\s+|offer\s+)?
        (?:alerts|notifications|e-?mails)\b
    | \b(?:e-?mail|subscription|communication)\s+preferences\b | \bpreference\s+cent(?:er|re)\b
    | \bdon['’]?t\s+want\s+(?:to\s+(?:receive|get|hear)\s+)?
        (?:these|this|our|any\s+more|more|further|future)\b[^\n]{0,30}?
        \b(?:e-?mails?|messages?|updates|newsletters?|mailings?)\b
    | \bstop\s+(?:receiving|hearing\s+from|these\s+e-?mails|(?:all\s+)?e-?mails\s+from)
    | \b(?:no\s+longer|do\s+not|don['’]?t)\s+(?:wish|want|like|care)\s+to\s+(?:receive|hear|get)\b
    | \b(?:prefer|rather|wish|want|like)\s+not\s+(?:to\s+)?(?:receive|hear|get)\b
    # 'If you'd like me not to email again, just say so'
    | \b(?:prefer|rather|wish|want|like)\s+(?:me|us)\s+not\s+to\s+
        (?:e-?mail|write|contact|message|follow\s+up|reach\s+out|send)\b
    # 'I won't write again', 'we'll never email you again'
    | \b(?:won['’]?t|will\s+not|never)\s+(?:write|e-?mail|contact|message|bother)
        \s+(?:to\s+)?(?:you\s+)?again\b
    # 'you won't hear from us again'
    | \byou\s+(?:won['’]?t|will\s+not|will\s+never)\s+hear\s+from\s+(?:me|us)\s+again\b
    # 'I won't chase', 'I won't follow up': a promise to stop that ends its sentence (not "I
    # won't chase you for the invoice")
    | \b(?:won['’]?t|will\s+not)\s+(?:chase|follow\s+up|reach\s+out|bother\s+you|be\s+in\s+touch)
        (?:\s+(?:with\s+you|you))?\s*(?:[.!;]|$)
    | \b(?:i|we)['’]?(?:ll|\s+will)\s+stop\s+(?:writing|emailing|e-mailing|sending)\b
    # 'Reply "pause" and we'll stop.': a reply that ends the mail, whatever word it asks for
    | \b(?:reply|respond|answer|write\ back)\b[^\n]{0,40}?\band\s+(?:i|we)['’]?(?:ll|\s+will)
        \s+stop\s*(?:[.!;]|$)
    # 'If you'd rather I didn't follow up again', 'prefer we stopped writing'
    | \b(?:rather|prefer)\s+(?:i|we)\s+(?:didn['’]?t|did\s+not|not|stopped|stop|never)\s+
        (?:write|writing|e-?mail|e-?mailing|contact|follow\s+up|reach\s+out|send|message)
    # 'switch these off under Settings', 'turn off product emails'
    | \b(?:switch|turn)\s+(?:these|them|those)\s+off\b
    | \b(?:switch|turn)\s+off\s+
        (?:these|those|our|all|(?:\w+\s+)?(?:e-?mails|notifications|newsletters|news|updates
                                             |alerts|reminders))\b
    # 'to be removed from our list', 'wish to be excluded', 'remove yourself', 'get off our list'
    | \b(?:to|wish|like|want)\s+(?:to\s+)?(?:be|get)\s+
        (?:removed|deleted|excluded|eliminated|taken\s+off)\b
        (?=[^\n]{0,40}?(?:\b(?:list|mailings?|future|database|e-?mails?|messages?|notices
                              |contacts|click|call|send|go\ to|visit\w*|reply|please)\b
                            |@|https?:|www\.) | \s*[:\n])
    | \bfor\s+removal\b | \bhttps?://\S*(?:remov|unsub|opt[-_]?out|preferences)
    # 'To change how we contact you, visit ...', 'choose how often you hear from us'
    | \b(?:change|choose|update|manage|control|decide)\s+how\s+(?:often\s+)?
        (?:we\s+(?:contact|e-?mail|write\s+to|message)\s+you|you\s+hear\s+from\s+us)\b
    | \b(?:no\s+longer|not)\s+interested\s*[?,.;:–—-][^\n]{0,30}?
        \b(?:reply|let\s+(?:me|us)\s+know|tell\s+(?:me|us)|click|unsubscribe)\b
    | \bremove\s+(?:me|yourself|your\s+(?:e-?mail\s+)?(?:address|name))\b
    | \b(?:remove|take)\s+(?:you|me)\s+(?:off|from)\s+(?:our|the|this|my)\s+(?:\w+\s+)?list\b
    | \b(?:leave|get\s+off|taken\s+off)\s+(?:of\s+)?(?:our|this|the|my)\s+(?:\w+\s+)?
        (?:list|mailings?)\b
    | \bremov(?:al|e)\s+(?:instructions|information|requests?)\b
    # German, French, Spanish, Dutch, Italian, Portuguese, Scandinavian, Polish
    | \babmelden\b | \babbestellen\b | \babmeldung\b | \bnewsletter\s+austragen\b
    | \b(?:se\s+)?d[ée]sabonner\b | \bd[ée]sabonnement\b | \bd[ée]sinscri(?:re|ption|vez)\b
    | \bdar(?:se|te|le)?\s+de\s+baja\b | \bcancelar\s+(?:la\s+|tu\s+|su\s+)?suscripci[oó]n\b
    | \bafmelden\b | \buitschrijven\b | \bdisiscri(?:viti|versi|zione)\b
    | \b(?:annulla|annullare|cancella|cancellare|cancellati)\s+
        (?:l['’]\s*|la\s+(?:tua\s+)?)?iscrizione\b
    | \bdescadastr\w* | \bcancelar\s+(?:a\s+)?(?:sua\s+)?inscri[çc][ãa]o\b
    | \bavregistrer\b | \bavsluta\s+prenumeration | \bafmeld\b | \bmeld\s+deg\s+av\b
    | \bwypisz\s+si[ęe]\b | \brezygnacja\s+z\s+subskrypcji\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# The same expression, case-sensitive, for the lower-cased text: a branch that starts with a
# plain letter is then skipped at a glance, and a search takes half the time. Lower-casing
# keeps every match of the expression (all of whose letters are lower case) when each
# character stays one character and the text holds neither of the two characters that
# IGNORECASE matches without their lower case being the letter: "ı" (i) and "ſ" (s);
# test_opt_out_lower_case_search checks that for every character.
_OPT_OUT_TEXT_LOWER = re.compile(_OPT_OUT_TEXT.pattern, re.VERBOSE)
CASE_FOLDS_BEYOND_LOWER = ("\u0131", "\u017f")
_OPT_OUT_LINK = re.compile(
    r"unsub|opt[-_]?out|/prefs\b|preferences|email-?settings|/notifications\b|subscription|remov|"
    r"takemeoff|"
    r"abmelden|abbestell|d[ée]sabonn|d[ée]sinscri|baja|afmelden|uitschrijven|disiscri|"
    r"^mailto:.*\bsubject=\W{0,3}stop\b",
    re.IGNORECASE,
)


# Every way of opting out above holds one of these (lower-case) pieces. The big expression is
# slow to run over a whole body (~0.3 ms per KB), so it only runs on the few lines around a cue.
_OPT_OUT_CUES = (
    "unsub", "opt o", "opt-o", "opt_o", "opt\n", "optout", "opting", "opt me", "stop", "remov",
    "cancel", '"no', '" no', "“no", "“ no", "'no", "‘no", "«", "preference", "subscription",
    "settings", "manage", "want", "longer", "prefer", "rather", "wish", "like to", "care to",
    "again", "off", "interested", "leave", "subject", "won't", "won’t", "will not", "how we",
    "how often",
    "delet", "exclu", "elimin", "abmeld", "abbestell", "austragen", "sabonn", "sinscri", "baja",
    "suscrip", "afmeld", "uitschrijv", "disiscri", "iscrizione", "descadastr", "inscri",
    "avregistr", "prenumeration", "meld deg", "wypisz", "subskrypcji",
)


def has_opt_out_text(text: str) -> bool:
    """Whether ``text`` offers a way to opt out in words ("Reply STOP", "Unsubscribe: ...")."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased
        return _OPT_OUT_TEXT.search(text) is not None
    if any(fold in text for fold in CASE_FOLDS_BEYOND_LOWER):
        read, expression = text, _OPT_OUT_TEXT
    else:
        read, expression = lowered, _OPT_OUT_TEXT_LOWER
    searched: set[int] = set()
    for cue in _OPT_OUT_CUES:
        pos = lowered.find(cue)
        while pos != -1:
            # The cue's line with the lines either side: a phrase may be wrapped.
            line_start = lowered.rfind("\n", 0, pos)
            start = lowered.rfind("\n", 0, max(line_start, 0)) + 1 if line_start > 0 else 0
            end = lowered.find("\n", pos)
            end = len(text) if end == -1 else lowered.find("\n", end + 1)
            end = len(text) if end == -1 else end
            if start not in searched:
                searched.add(start)
                if expression.search(read, start, end):
                    return True
            pos = lowered.find(cue, pos + len(cue))
    return False


def has_opt_out(message: Message) -> bool:
    """Whether the message offers a way to opt out: header, link or words of the sender."""
    if any(name.lower() == "list-unsubscribe" and value.strip()
           for name, value in message.headers.items()):
        return True
    if any(_OPT_OUT_LINK.search(link) for link in message.links):
        return True
    return has_opt_out_text(squeezed(own_text(message)))

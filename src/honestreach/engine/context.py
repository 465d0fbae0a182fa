"""Whether a match's context says it is not a tactic: quoted earlier text, the signature,
a list item, quotation marks, a question, a negation or hedge just before it, a stated reason,
stated terms, a named source or leeway given nearby, a step on silence that binds no one, the
facts of a disclaimer stated, a message that is a transactional notice, a subject that continues
a real thread or stands above no body, a message between people who know each other."""

from __future__ import annotations

import re
from bisect import bisect_left

from ..checks.commercial import is_commercial, is_transactional, offers_anything
from ..checks.opt_out import has_opt_out
from ..checks.own_text import own_text
from ..message import in_real_thread, on_discussion_list
from ..model import Message
from ..rules import Rule
from ..tokens import Tokens, in_list_item, tokenize
from ..vocab import Seq, Vocabulary
from ..wordmatch import TextMatcher

# A body of fewer words than this cannot show that a message sells nothing: "See attached."
# under "Invoice #4471" may be all a disguise needs to say.
NO_OFFER_MIN_WORDS = 20
_WORD = re.compile(r"\w+")
# How far back a negation or a hedge reaches: "there is *no* deadline", "I *might* have seen
# you at SaaStr" (words, within the sentence).
NEGATION_WINDOW = 3
HEDGE_WINDOW = 8
# How far back a denial of saying it reaches: "I won't pretend this is *now or never*", "I'm
# not going to tell you this is *the last chance*" (words, within the sentence).
DENIAL_WINDOW = 8
# A match of a whole sentence is qualified by a negation, hedge or denial among its first words
# ("I think we met", "Hi Dana, I might have seen you"), not by one in a later clause ("...back
# up in case it got buried", "it might be time to look again").
OPENING_WINDOW = 4
# How much of the body may explain a subject line ("Limited places at our workshop" with "the
# room holds 25" below it): the opening of the message, where a reader looks for the reason.
SUBJECT_REASON_CHARS = 2_000
# How many cue answers a CueMemory keeps before it starts afresh, and the longest run of words
# it keeps one for (bounded, as the engine's sentence caches: a page of text with no sentence
# break is searched, not remembered).
CUE_MEMORY_SIZE = 50_000
CUE_MEMORY_TOKENS = 200
# The vocabulary classes that hold the context cues.
CUE_CLASSES = {"negation": "negation-cue", "denial": "denial-cue", "hedge": "hedge-cue",
               "reason": "reason-cue",
               "terms": "terms-cue", "source": "source-cue", "leeway": "leeway-cue",
               "wish": "wish-cue",
               "release": "release-cue", "disclosure": "disclosure-cue",
               "organisation": "organisation-word", "acquaintance": "acquaintance-cue",
               "affection": "affection-cue", "last-note": "last-note-cue"}
# A quotation may wrap onto the next line, as plain-text mail wraps long lines, but not run
# past a blank line: a paragraph ends any quotation left open.
_QUOTATION = re.compile(r'"(?:[^"\n]|\n(?![ \t]*\n)){1,300}"|“(?:[^”\n]|\n(?![ \t]*\n)){1,300}”'
                        r'|„(?:[^“”\n]|\n(?![ \t]*\n)){1,300}[“”]|«(?:[^»\n]|\n(?![ \t]*\n)){1,300}»')
# Single quotes are as often emphasis ("our 'no-risk' plan") as quotation, so they count only
# where the words before them name a phrase being talked about ("the phrase 'act now'", "a
# button like 'No, I hate saving'"). An apostrophe inside a word ("I'd") is not a quote mark.
_SINGLE_QUOTED = re.compile(r"‘[^’\n]{1,300}’"
                            r"|(?<![\w'])'(?=\w)(?:[^'\n]|'(?=\w)){1,300}?(?<=[\w.!?,])'(?!\w)")
_MENTION_BEFORE = re.compile(r"\b(?:phrases?|words?|wording|lines?|like|such as|called|saying|"
                             r"says|said|slogans?|labels?|labelled|labeled|buttons?|claims? of|"
                             r"reads|read|text|taglines?)\W{0,3}$", re.IGNORECASE)
_QUOTE_MARKS = ('"', "“", "„", "«", "‘", "'")
_CLOSERS = frozenset({'"', "'", ")", "]", "”", "’", "»"})
# Marks that end a clause and begin another: a question after one is asked apart from the
# statement before it.
_QUESTION_APART = frozenset({"—", "–", "-", ";"})


def context_cues(vocabulary: Vocabulary) -> dict[str, Seq]:
    """The compiled cue class of each context (negation, hedge, reason, terms, source, leeway)
    the vocabulary has.

    Compiling them reads the inflection table (half a second); the vocabulary keeps what it
    compiled, so the rule cache compiles them once, before it stores the vocabulary, and keeps
    their filter expressions with the word patterns' (the same Seq objects every time)."""
    return {context: vocabulary.compile_kept("{%s}" % name).seq
            for context, name in CUE_CLASSES.items() if vocabulary.words(name)}


class CueMemory:
    """Whether a cue occurs in a run of words, remembered across messages.

    Mail repeats its sentences (a campaign's template, a sender's footer), and a cue class of
    many phrases costs a search each time. A cue's match never leaves its sentence and reads
    only forward, so the answer depends on the words from the span's start to the end of the
    sentence its last word is in, on where sentences start among them, and on where the span
    ends: that is the key."""

    def __init__(self) -> None:
        self._answers: dict[tuple[object, ...], bool] = {}

    def occurs(self, cue: str, seq: Seq, matcher: TextMatcher, tokens: Tokens,
               first: int, end: int) -> bool:
        """Whether ``seq`` (the cue named ``cue``) occurs inside tokens [first, end), as
        ``matcher.occurs`` answers."""
        if end <= first:
            return False
        last_end = tokens.sentence_of(end - 1)[1]
        if last_end - first > CUE_MEMORY_TOKENS:
            return matcher.occurs(seq, first, end)
        starts = tokens.sentence_starts
        key = (cue, end - first, tuple(tokens.norms[first:last_end]),
               tuple(start - first for start in
                     starts[bisect_left(starts, first):bisect_left(starts, last_end)]))
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) >= CUE_MEMORY_SIZE:
                self._answers.clear()
            found = self._answers[key] = matcher.occurs(seq, first, end)
        return found


class MessageContext:
    """What a whole message is (a transactional notice, a note between people who know each
    other, a sender's last note, a post to a discussion list, a real thread), asked once per
    message and shared by its fields' matches and the Python checks' findings."""

    def __init__(self, message: Message, cues: dict[str, Seq]) -> None:
        self.message = message
        self.cues = cues
        self._transactional: bool | None = None
        self._offers_nothing: bool | None = None
        self._thread: bool | None = None
        self._acquainted: bool | None = None
        self._body_cues: dict[str, bool] = {}
        # The opening of the body, tokenized once for every cue asked of it.
        self._opening: tuple[TextMatcher, int] | None = None

    def excludes(self, rule: Rule) -> bool:
        """Whether the rule's settings drop every match in this message."""
        if rule.skip_transactional and self.is_transactional():
            return True
        if rule.skip_among_acquaintances and self.among_acquaintances():
            return True  # "Thanks hun, see you at mum's on Sunday": people who know each other
        if rule.skip_in_last_note and self.body_states("last-note"):
            return True  # "I've emailed twice before, so this will be my last note"
        if rule.skip_without_offer and self.offers_nothing():
            return True  # "Witness statements due 22 March" above a solicitor's letter
        return rule.skip_on_discussion_list and on_discussion_list(self.message)

    def among_acquaintances(self) -> bool:
        """Whether the message is between people who know each other: no pitch, no opt-out
        line (mail that offers one goes to a list), and the body speaks of a life they share
        (family, an evening out, a plan already made), or of affection in a message that offers
        nothing at all."""
        # Cheapest first: the commercial test and the opt-out search are answered already
        # (the compliance checks ask them of every message, and keep the answers), while the
        # cues are a search of their own; mail with a tactic is mostly commercial.
        if self._acquainted is None:
            self._acquainted = not is_commercial(self.message) \
                and not has_opt_out(self.message) and (
                    self.body_states("acquaintance") or (
                        self.body_states("affection") and not offers_anything(self.message)))
        return self._acquainted

    def offers_nothing(self) -> bool:
        """Whether the message has a body of its own that sells nothing: no price, offer,
        pitch or call to action in it or its subject, and no opt-out line (mail that offers
        one goes to a list): a court's deadline, an IT warning, a solicitor's letter. A
        subject checked alone has no body to tell, so it is judged as the outreach subject it
        is written to be."""
        if self._offers_nothing is None:
            self._offers_nothing = len(_WORD.findall(own_text(self.message))) >= \
                NO_OFFER_MIN_WORDS and not offers_anything(self.message) \
                and not has_opt_out(self.message)
        return self._offers_nothing

    def is_transactional(self) -> bool:
        """Whether the message is a real notice about the reader's account or order (a
        password reset, a receipt): its wording then describes a transaction, not a disguise."""
        if self._transactional is None:
            self._transactional = is_transactional(self.message)
        return self._transactional

    def in_thread(self) -> bool:
        """Whether the message continues a real thread or is posted to a discussion list:
        its subject is the thread's, or one member's to the others, not a sender's bid for
        the open."""
        if self._thread is None:
            self._thread = in_real_thread(self.message)
        return self._thread

    def body_states(self, cue: str) -> bool:
        """A cue in the opening of the body: a subject line has no next sentence, and its reason
        ("the room holds 25") is given below it."""
        if cue not in self._body_cues:
            seq = self.cues.get(cue)
            found = False
            if seq is not None:
                matcher, length = self._body_opening()
                found = length > 0 and matcher.occurs(seq, 0, length)
            self._body_cues[cue] = found
        return self._body_cues[cue]

    def _body_opening(self) -> tuple[TextMatcher, int]:
        if self._opening is None:
            body = self.message.field_text("body")
            tokens = tokenize(body.text[:SUBJECT_REASON_CHARS] if body is not None else "")
            self._opening = (TextMatcher(tokens), len(tokens))
        return self._opening


class MatchContext:
    """What surrounds a match in one field, and whether a rule should ignore the match there."""

    def __init__(self, whole: MessageContext, field: str, text: str, tokens: Tokens,
                 matcher: TextMatcher, memory: CueMemory | None = None) -> None:
        self.whole = whole
        self.message = whole.message
        self.field = field
        self.text = text
        self.tokens = tokens
        self.matcher = matcher
        self.cues = whole.cues
        self._quotations: list[tuple[int, int]] | None = None
        # Whether each cue occurs in a span of tokens: several matches in one sentence ask the
        # same question, and a cue class of many phrases costs a search each time.
        self._cue_spans: dict[tuple[str, int, int], bool] = {}
        self._memory = memory or CueMemory()

    def excludes(self, rule: Rule, first: int, end: int, whole_sentence: bool = False) -> bool:
        """Whether the rule's context settings drop its match of tokens ``first:end``. A match
        of the whole sentence (a model's) has no words before it: a negation, hedge or denial
        in the sentence's opening words qualifies it ("I think we met at the fair, but I may
        be wrong"); one later on qualifies what follows, not the sentence ("Congrats on the
        new site; it might be time to revisit your rota")."""
        if self.whole.excludes(rule):
            return True
        if self.field == "sender" and self._cue_after("organisation", end):
            return True  # "Last Call Media": the words name the sender's organisation
        if rule.skip_thread_subject and self.field == "subject" and self.whole.in_thread():
            return True  # the subject of a real thread or a discussion list's post
        start_char, end_char = self.tokens.char_span(first, end)
        if self.field == "body":
            if self.message.in_quoted(start_char, end_char):
                return True
            signature = self.message.signature_start
            if rule.skip_signature and signature is not None and start_char >= signature:
                return True
        if rule.skip_list_items and in_list_item(self.text, start_char):
            return True
        if rule.skip_quotations and self._quoted(start_char, end_char):
            return True
        sentence_first, sentence_end = self.tokens.sentence_of(first)
        if rule.skip_questions and self._is_question(end, sentence_end):
            return True

        def qualified(cue: str, window: int) -> bool:
            if whole_sentence:
                return self._occurs(cue, sentence_first,
                                    min(end, sentence_first + OPENING_WINDOW))
            return self._cue_before(cue, sentence_first, first, window)

        if rule.skip_negated and qualified("negation", NEGATION_WINDOW):
            return True
        if rule.skip_hedged and qualified("hedge", HEDGE_WINDOW):
            return True
        if rule.skip_denied and qualified("denial", DENIAL_WINDOW):
            return True  # "I won't pretend this is now or never": the sender disowns the words
        if rule.skip_reasoned and (
                self._cue_here_or_next("reason", sentence_first, sentence_end)
                or self.field == "subject" and self.whole.body_states("reason")):
            return True
        if rule.skip_with_leeway and \
                self._cue_here_or_next("leeway", sentence_first, sentence_end):
            return True
        if rule.skip_with_wish and \
                self._cue_here_or_next("wish", sentence_first, sentence_end):
            return True  # "if you'd like a place, reply and I'll send the form": no one assumed
        if rule.skip_released and self._cue_in_sentence("release", sentence_first, sentence_end):
            return True  # "I'll release the hold if I don't hear back": silence binds no one
        if rule.skip_disclosed and \
                self._cue_here_or_next("disclosure", sentence_first, sentence_end):
            return True  # "one of 30 founders I'm writing to": the denial comes with its facts
        if rule.skip_sourced and \
                self._cue_here_or_next("source", sentence_first, sentence_end):
            return True
        return rule.skip_with_terms and \
            self._cue_here_or_next("terms", sentence_first, sentence_end)

    def _quoted(self, start: int, end: int) -> bool:
        if self._quotations is None:
            text = self.text
            self._quotations = [m.span() for m in _QUOTATION.finditer(text)] + \
                [m.span() for m in _SINGLE_QUOTED.finditer(text)
                 if _MENTION_BEFORE.search(text, max(0, m.start() - 40), m.start())] \
                if any(mark in text for mark in _QUOTE_MARKS) else []
        return any(q0 <= start and end <= q1 for q0, q1 in self._quotations)

    def _is_question(self, end: int, sentence_end: int) -> bool:
        """Whether the clause of a match that ends at token ``end`` asks a question: its
        sentence ends with a question mark (closing quotes aside), and no dash or semicolon
        parts the match from it ("Two seats remain for Friday - shall I save you one?" states
        the count, then asks)."""
        norms = self.tokens.norms
        index = sentence_end - 1
        while index >= 0 and norms[index] in _CLOSERS:
            index -= 1
        while index >= 0 and norms[index] in ("!", "?", "."):
            if norms[index] == "?":
                # (the clause marks are looked for only in a question: most sentences are not)
                return not any(norm in _QUESTION_APART for norm in norms[end:sentence_end])
            index -= 1
        return False

    def _occurs(self, cue: str, first: int, end: int) -> bool:
        """Whether the cue occurs inside tokens [first, end)."""
        key = (cue, first, end)
        found = self._cue_spans.get(key)
        if found is None:
            seq = self.cues.get(cue)
            found = self._cue_spans[key] = seq is not None and self._memory.occurs(
                cue, seq, self.matcher, self.tokens, first, end)
        return found

    def _cue_before(self, cue: str, sentence_first: int, first: int, window: int) -> bool:
        return self._occurs(cue, max(sentence_first, first - window), first)

    def _cue_after(self, cue: str, end: int) -> bool:
        """The cue as the word right after a match."""
        return end < len(self.tokens) and self._occurs(cue, end, end + 1)

    def _cue_in_sentence(self, cue: str, sentence_first: int, sentence_end: int) -> bool:
        """A cue in the match's own sentence."""
        return self._occurs(cue, sentence_first, sentence_end)

    def _cue_here_or_next(self, cue: str, sentence_first: int, sentence_end: int) -> bool:
        """A cue in the sentence or the next one: a stated reason ("the funder sets this
        date"), stated terms ("refunds within 30 days, no questions asked"), leeway given
        ("take whatever time you need")."""
        next_end = self.tokens.sentence_of(sentence_end)[1] if sentence_end < len(self.tokens) \
            else sentence_end
        return self._occurs(cue, sentence_first, next_end)

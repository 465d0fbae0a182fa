"""Emphasis checks: shouting in capitals, exclamation overload and alarm or hype emoji.

All three read the sender's prose only: the subject, and the body with quoted earlier text
blanked, links, e-mail addresses and merge tokens masked. Shouting and emoji also stop at the
sign-off (``message.signature_start``) and skip postal-address lines, where capitals ("USA",
"OR 97204") and contact emoji belong; exclamation marks are counted up to the end of the
sign-off line, so "Cheers!!" still counts.
"""

from .emoji import emoji_overload
from .exclamation import exclamation_overload
from .shouting import shouting
from .words import is_common_word

__all__ = ["emoji_overload", "exclamation_overload", "is_common_word", "shouting"]

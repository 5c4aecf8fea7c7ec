"""Does a name typed by a payer or a partner name the registered customer?

Money a payer or a partner sends "to a number" reaches that number's wallet
only if the name sent with it is the customer's name; otherwise it goes to
cash pickup, paid at a counter against an identity document. The rule
(docs/REGISTRATION.md, "Names"): the same words, compared

* without case or accents ("ÉLOÏSE" is "eloise"; œ, æ, ß spelt out);
* whatever their order ("NGOMA Awa" is "Awa Ngoma");
* with spaces, hyphens, commas and slashes separating words, any other
  punctuation dropped ("Jean-Pierre" is "Jean Pierre", "N'Goma" is "Ngoma",
  "  Awa   Ngoma. " is "Awa Ngoma").

Every word must match: a missing, an extra or an abbreviated word
("Awa N.", "Awa Marie Ngoma" for Awa Ngoma) is another name. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata

_SPELT_OUT = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}
)
_BETWEEN_WORDS = re.compile(r"[\s\-\u2010-\u2015_,/;]+")


def name_words(name: object) -> tuple[str, ...]:
    """The words of a name, folded (no case, no accent, no punctuation) and sorted."""
    if not isinstance(name, str):
        return ()
    text = unicodedata.normalize("NFKD", name.translate(_SPELT_OUT))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    words = ("".join(ch for ch in chunk if ch.isalnum()) for chunk in _BETWEEN_WORDS.split(text))
    return tuple(sorted(word for word in words if word))


def same_person(given: object, first_name: str, last_name: str) -> bool:
    """True when ``given`` names the customer registered as ``first_name last_name``."""
    words = name_words(given)
    return bool(words) and words == name_words(f"{first_name} {last_name}")

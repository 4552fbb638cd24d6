"""Vietnamese spelling variants of one word: where the tone mark sits, and i/y.

Two conventions place the tone mark of ``oa``, ``oe`` and ``uy`` differently ("hoá"/"hóa",
"khoẻ"/"khỏe", "thuỷ"/"thủy", "uỷ ban"/"ủy ban"), and typists misplace it elsewhere ("qúy"
for "quý", "gía" for "giá"). A syllable has one tone, so the letters and the tone are the
word and the mark's position is only spelling. After h, k, l, m, s, t and qu, a final ``i``
or ``y`` alone is one word spelt two ways ("kĩ"/"kỹ", "lí"/"lý", "công ti"/"công ty",
"quí"/"quý"), by the 1984 spelling rules and by habit.

The archive's indexes keep the text as the portal wrote it; a query word is expanded into the
few spellings it stands for (:func:`spellings`, at most six), so the same index, triggers and
databases serve both conventions and nothing needs rebuilding.
"""

from __future__ import annotations

import re
import unicodedata

# Combining tone marks (NFD): grave, acute, tilde, hook above, dot below. The other marks
# (breve, circumflex, horn) make a different vowel letter, not a different spelling.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
VOWELS = set("aăâeêioôơuưy")
# Onsets after which a lone final i/y is one word written either way.
_I_Y = re.compile(r"^(h|k|l|m|s|t|qu)([iy])$")
_RUN = re.compile(f"[{''.join(sorted(VOWELS))}]+")


def split_tone(word: str) -> tuple[str, str | None] | None:
    """``word`` (lower-case, NFC) without its tone mark, and the mark; None if it has several."""
    decomposed = unicodedata.normalize("NFD", word)
    marks = [c for c in decomposed if c in TONE_MARKS]
    if len(marks) > 1:
        return None
    toneless = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    return toneless, (marks[0] if marks else None)


def _with_tone(toneless: str, tone: str | None) -> list[str]:
    """Every placement of ``tone`` on the vowels of the word's one vowel run."""
    runs = list(_RUN.finditer(toneless))
    if tone is None or len(runs) != 1:
        return [toneless] if tone is None else []
    run = runs[0]
    return [unicodedata.normalize("NFC", toneless[:i + 1] + tone + toneless[i + 1:]) for i in range(run.start(), run.end())]


def spellings(word: str, *, tone_positions: bool = True) -> list[str]:
    """The spellings of ``word`` that are the same Vietnamese word, ``word`` (lower-cased) first.

    With ``tone_positions`` false, one spelling per i/y form (enough for an index that ignores
    marks). A word that is not one syllable (no vowel, or several vowel runs: a name, a
    number) has no other spelling.
    """
    word = unicodedata.normalize("NFC", word).lower()
    split = split_tone(word)
    if split is None:
        return [word]
    toneless, tone = split
    forms = [toneless]
    swap = _I_Y.match(toneless)
    if swap:
        forms.append(swap.group(1) + ("y" if swap.group(2) == "i" else "i"))
    out = [word]
    for form in forms:
        placed = _with_tone(form, tone)
        if not placed:
            continue
        if not tone_positions:
            placed = placed[-1:] if form != toneless else []
        out.extend(placed)
    return list(dict.fromkeys(out))

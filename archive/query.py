"""What a researcher typed or pasted, read as an FTS5 query that never fails to parse.

Operators apply only where they are clearly meant, and everything else is words:

- ``"..."`` is a phrase when its quotes pair up (typographic “…” too); a quote left over is
  punctuation;
- ``AND``, ``OR``, ``NOT`` (capitals) between two terms; elsewhere ("OR dai", "dai AND") they
  are words;
- a trailing ``*`` makes a prefix;
- brackets group when they pair up and hold a word; others are punctuation. A pasted title
  such as "… sai quy định (lần thứ 78)" is its words (adjacent terms are joined by an explicit
  AND, which FTS5 needs before a bracket).

Each word stands for its spelling variants (:mod:`archive.vnspell`). The query's size is
capped (MAX_QUERY_CHARS, MAX_WORDS, MAX_PREFIXES) so one query cannot cost minutes; what was
left out is said in ``notes``, which the search page shows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import islice, product

from archive.vnspell import spellings

OPERATORS = {"AND", "OR", "NOT"}
# A pasted title is under 300 characters and 60 words; a pasted paragraph is cut here.
MAX_QUERY_CHARS = 1_000
MAX_WORDS = 64
# FTS5 reads every indexed word of a prefix: more than a few prefixes cost seconds on a big
# archive. The prefixes after these are searched as whole words.
MAX_PREFIXES = 8
# A query of at least this many terms that finds nothing is searched again with any of them
# (ParsedQuery.relaxed).
RELAX_MIN_TERMS = 3
# A phrase of several words with spelling variants is searched as each combination of them.
MAX_PHRASE_VARIANTS = 8


class SearchError(ValueError):
    """A search that cannot run; the message is meant for the user."""


class _FoldTable(dict):
    """``str.translate`` table of :func:`fold`, filled in as characters are met."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0] if code > 127 else ch
        folded = "d" if base in "đĐ" else base.lower() if len(base.lower()) == 1 else base
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Every mark removed and ``đ→d``, lower-cased, one character per character of ``text``.

    Length-preserving (for NFC text), so a match found in the folded text is at the same
    offsets in the original: that is how snippets highlight ``Đại hội`` for ``dai hoi``.
    One ``str.translate`` (a character table filled as needed): a 100 KB body in milliseconds.
    """
    return text.translate(_FOLD)


@dataclass
class Term:
    words: list[str]          # one word, or the words of a "phrase"
    prefix: bool = False      # word* / "phrase"*
    negated: bool = False     # after NOT (or inside a bracket after NOT)

    def forms(self) -> list[list[str]]:
        """Each word's spellings for the folded index (i/y variants; tone marks are ignored there)."""
        return [[w] if self.prefix and i == len(self.words) - 1 else spellings(w, tone_positions=False)
                for i, w in enumerate(self.words)]

    def fts(self) -> str:
        """This term as an FTS5 expression: a phrase, or an OR of its spelling variants."""
        combos = list(islice(product(*self.forms()), MAX_PHRASE_VARIANTS))
        star = "*" if self.prefix else ""
        phrases = [f'"{" ".join(c)}"{star}' for c in combos]
        return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


@dataclass
class ParsedQuery:
    """A user's query as an FTS5 expression, the terms used to highlight and boost, and notes."""

    text: str
    match: str
    terms: list[Term] = field(default_factory=list)
    has_or: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def exact_match(self) -> str | None:
        """FTS5 expression over ``articles_exact`` for the words typed with marks, or None.

        Each word may be written in any of its spellings (tone mark placement, i/y).
        """
        words = [w for t in self.terms if not t.negated and not t.prefix for w in t.words if fold(w) != w.lower()]
        if not words:
            return None
        groups = []
        for word in dict.fromkeys(w.lower() for w in words):
            forms = spellings(word)
            groups.append(f'"{forms[0]}"' if len(forms) == 1 else "(" + " OR ".join(f'"{f}"' for f in forms) + ")")
        return f" {'OR' if self.has_or else 'AND'} ".join(groups)

    @property
    def relaxable(self) -> bool:
        """A query of several words (no OR, no NOT) that may be searched again with fewer of them
        when no article holds all: a title pasted with a browser tab's suffix ("… - Cổng thông
        tin điện tử quận X"), or with one word mistyped, finds nothing when every word is required."""
        return not self.has_or and len(self.terms) >= RELAX_MIN_TERMS and not any(t.negated for t in self.terms)

    def _words(self) -> int:
        return sum(len(t.words) for t in self.terms)

    def leading(self, n: int) -> "ParsedQuery":
        """Its first ``n`` terms, all required: when they begin an article's title (see
        archive.search), the title the researcher pasted, without what followed it."""
        terms = self.terms[:n]
        kept = sum(len(t.words) for t in terms)
        note = (f"No article has all {self._words()} words: searched for the first {kept}, "
                "with which an article's title begins.")
        return ParsedQuery(text=self.text, match=" AND ".join(t.fts() for t in terms), terms=terms,
                           notes=[*self.notes, note])

    def relaxed(self) -> "ParsedQuery":
        """Any of its terms: bm25 ranks first the articles that hold the most (and the rarest)."""
        note = f"No article has all {self._words()} words: these have some of them, those with the most first."
        return ParsedQuery(text=self.text, match=" OR ".join(t.fts() for t in self.terms), terms=self.terms,
                           has_or=True, notes=[*self.notes, note])

    @property
    def title_start_match(self) -> str | None:
        """FTS5 expression for titles that begin with this query's words, in order, or None.

        A pasted title is a known-item search: the article whose title starts with the query
        ranks above the others whose titles merely hold its words (the shortest such title
        first, see archive.search.ranking.all_hits). Only for a query of two or more words with no
        operator and no prefix.
        """
        if self.has_or or any(t.negated or t.prefix for t in self.terms):
            return None
        forms = [f for t in self.terms for f in t.forms()]
        if len(forms) < 2:
            return None
        combos = list(islice(product(*forms), MAX_PHRASE_VARIANTS))
        return "{title title_folded} : (" + " OR ".join(f'^"{" ".join(c)}"' for c in combos) + ")"

    def spans(self, folded: str) -> list[tuple[int, int]]:
        """Where this query's words and phrases are in ``folded`` (a text through :func:`fold`):
        sorted, not overlapping, the longest match at each place.

        One pass over the text's words with set lookups, so a pasted query's 64 words cost about
        what one does (a regular expression of 64 alternatives took 0.4 s on a 100 KB body).
        """
        by_first: dict[str, list[list[tuple[frozenset[str], bool]]]] = {}
        prefix_first: list[list[tuple[frozenset[str], bool]]] = []
        for term in self.terms:
            if term.negated:
                continue
            words = [(frozenset(fold(f) for f in forms), term.prefix and i == len(term.words) - 1)
                     for i, forms in enumerate(term.forms())]
            if words[0][1]:
                prefix_first.append(words)
            else:
                for form in words[0][0]:
                    by_first.setdefault(form, []).append(words)
        tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(folded)]
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            best = 0
            for words in by_first.get(tokens[i][2], []) + [w for w in prefix_first if _word_matches(tokens[i][2], w[0])]:
                if len(words) > best and i + len(words) <= len(tokens) and all(
                        _word_matches(tokens[i + k][2], words[k]) for k in range(1, len(words))):
                    best = len(words)
            if best:
                out.append((tokens[i][0], tokens[i + best - 1][1]))
                i += best
            else:
                i += 1
        return out


def _word_matches(token: str, word: tuple[frozenset[str], bool]) -> bool:
    forms, prefix = word
    return any(token.startswith(f) for f in forms) if prefix else token in forms


# Phrases (paired quotes, an optional *), brackets, and runs of anything else.
_TOKEN = re.compile(r'"[^"]*"\*?|[()]|[^\s()"]+')
_WORD = re.compile(r"[^\W_]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def _cap_length(text: str, notes: list[str]) -> str:
    if len(text) <= MAX_QUERY_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
    notes.append(f"The search is long: only its first {MAX_QUERY_CHARS:,} characters were searched.")
    return text[:cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]


def _pair_quotes(text: str, notes: list[str]) -> str:
    """Quotes typed as “…” are quotes; an odd one out (the last) becomes a space."""
    text = text.translate(_QUOTES)
    if text.count('"') % 2:
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1:]
        notes.append('The search has a quote (") without its pair: it was read as a space.')
    return text


def _items(text: str) -> list[tuple[str, object]]:
    """Tokens as ``("term", Term)``, ``("op", "OR")`` (a candidate operator) or ``("(", None)``."""
    items: list[tuple[str, object]] = []
    for token in _TOKEN.findall(text):
        if token in OPERATORS:
            items.append(("op", token))
        elif token in "()":
            items.append((token, None))
        else:
            prefix = token.endswith("*")
            words = _WORD.findall(token.rstrip("*").strip('"'))
            if words:
                items.append(("term", Term(words=words, prefix=prefix)))
    return items


def _pair_brackets(items: list[tuple[str, object]], notes: list[str]) -> list[tuple[str, object]]:
    """Brackets that pair up and enclose a term; every other bracket is dropped (punctuation)."""
    keep = [True] * len(items)
    stack: list[int] = []
    for i, (kind, _) in enumerate(items):
        if kind == "(":
            stack.append(i)
        elif kind == ")":
            if stack:
                start = stack.pop()
                if not any(k == "term" for k, _ in items[start + 1:i]):
                    keep[start] = keep[i] = False
            else:
                keep[i] = False
    for i in stack:
        keep[i] = False
    if not all(keep):
        notes.append("Brackets that do not pair up were read as punctuation.")
    return [item for item, k in zip(items, keep) if k]


def _starts(item: tuple[str, object] | None) -> bool:
    return item is not None and item[0] in ("term", "(")


def parse_query(text: str) -> ParsedQuery:
    """Read what a researcher typed as an FTS5 expression; only an empty query is an error.

    Words are quoted (so ``-``, ``:`` and other FTS5 syntax characters are plain text) and
    adjacent terms are joined by AND. A query with no letters or digits gives a ParsedQuery
    without terms (and a note), which searches nothing.
    """
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise SearchError("Type a word to search for.")
    notes: list[str] = []
    items = _pair_brackets(_items(_pair_quotes(_cap_length(text, notes), notes)), notes)
    parts: list[str] = []
    terms: list[Term] = []
    has_or = False
    negate_next = False
    negated_depth: int | None = None  # bracket depth of a NOT ( ... ) group
    depth = 0
    words = prefixes = 0
    for i, (kind, value) in enumerate(items):
        previous_ends = bool(parts) and parts[-1] not in OPERATORS and parts[-1] != "("  # a term or a ")"
        if kind == "op":
            nxt = items[i + 1] if i + 1 < len(items) else None
            if previous_ends and _starts(nxt) and terms:
                parts.append(value)
                has_or |= value == "OR"
                negate_next = value == "NOT"
                continue
            kind, value = "term", Term(words=[value])  # an operator word out of place is a word
        if kind == ")":
            parts.append(")")
            depth -= 1
            if negated_depth is not None and depth < negated_depth:
                negated_depth = None
            continue
        if previous_ends:
            parts.append("AND")
        if kind == "(":
            parts.append("(")
            depth += 1
            if negate_next:
                negated_depth, negate_next = depth, False
            continue
        term: Term = value  # type: ignore[assignment]
        cut = words + len(term.words) > MAX_WORDS or (words + len(term.words) == MAX_WORDS and
                                                       any(k in ("term", "op") for k, _ in items[i + 1:]))
        term.words = term.words[:MAX_WORDS - words]  # a long phrase (or hyphenated run) is cut, not lost
        if term.prefix:
            prefixes += 1
            if prefixes > MAX_PREFIXES:
                term.prefix = False
                if prefixes == MAX_PREFIXES + 1:
                    notes.append(f"Only the first {MAX_PREFIXES} prefixes (word*) were searched as prefixes; "
                                 "the others as whole words.")
        words += len(term.words)
        term.negated = negate_next or negated_depth is not None
        negate_next = False
        parts.append(term.fts())
        terms.append(term)
        if cut:
            notes.append(f"The search has more than {MAX_WORDS} words: only the first {MAX_WORDS} were searched.")
            break
    # a cut at MAX_WORDS may leave an operator or open brackets at the end
    while parts and parts[-1] in OPERATORS | {"("}:
        parts.pop()
    balance = parts.count("(") - parts.count(")")  # the parts' own brackets (variant groups) are balanced
    parts.extend(")" * max(0, balance))
    if not terms:
        notes.append("The search has no words (letters or digits) to look for.")
    return ParsedQuery(text=text, match=" ".join(parts), terms=terms, has_or=has_or, notes=notes)


def plain_query(text: str, reason: str | None = None) -> ParsedQuery:
    """Every word of ``text`` as a plain word, all of them required: the reading when FTS5
    rejects the parsed one (it should not happen; this is the net under the parser)."""
    notes: list[str] = []
    words = _WORD.findall(_cap_length(unicodedata.normalize("NFC", text or ""), notes))[:MAX_WORDS]
    terms = [Term(words=[w]) for w in words]
    if reason:
        notes.append(reason)
    return ParsedQuery(text=text, match=" AND ".join(t.fts() for t in terms), terms=terms, notes=notes)

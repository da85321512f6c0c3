"""The normalizer's checks for namesakes (a mix-in of `normalize.Normalizer`, kept apart for its size).

A table surname beside a given name that is not that person's is someone else ("Vukašin Mićunović"
is not Veljko, "Horváth Márton" not Horváth Imre), also when the table does not know the given name
(the lexicon's everyday given names); an ambiguous mention is recorded unlinked, with the persons it
hesitates between.
"""

from __future__ import annotations

import re

from .decide import Decision, _near_given
from .fold import UPPER_LETTERS, damaged_forms
from .lookup import S_INFLECTED

# the word just before a mention (same line, spaces between) and the one just after it
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’ʼ-]*)[ \t\u00a0]+$")
_WORD_AFTER = re.compile(r"[ \t\u00a0]+([^\W\d_][\w'’ʼ-]*)")
_CAPS = re.escape("".join(sorted(UPPER_LETTERS)))
_PART = re.compile(rf"[{_CAPS}][^\W\d_]+")  # a capitalised part of a hyphenated compound
_QWORD = re.compile(rf"(?<![\w?])[{_CAPS}][\w?]*\?[\w?]*")  # a capitalised word with "?" inside or at its end
_DAY_AFTER = re.compile(r"[ \t\u00a0]*\d")


class NamesakeChecks:
    """Needs `self.lookup` (a `Lookup`) and `self._base` / `self._ctx` of the text being read."""

    @property
    def given(self) -> set[str]:
        """Folded everyday given names of the lexicon (tables/lexicon.toml, [given_names])."""
        return self.lookup.decider.lexicon.given

    def _given_word_near(self, text: str, start: int, end: int, pid: str) -> bool:
        """Is text[start:end] next to a capitalised given name (the lexicon's or the table's) that is not
        a name of the person `pid` nor a form of their given name?  Only a word on the same line, one
        space between, counts; most mentions have a lower-case word or punctuation beside them and are
        told so by a character or two, looked at before anything else."""
        before = after = None
        if start >= 2 and text[start - 1] == " " and text[start - 2].isalpha():
            ws = text.rfind(" ", max(0, start - 40), start - 1) + 1  # where the word before starts
            if text[ws].isupper() and ws >= self._last_end:  # not a word of the mention before
                m = _WORD_BEFORE.match(text, ws, start)
                before = m.group(1) if m else None
        if end + 2 < len(text) and text[end] == " " and text[end + 1].isupper():
            m = _WORD_AFTER.match(text, end)
            after = m.group(1) if m else None
        if before is None and after is None:
            return False
        index = self.lookup._current()
        fold = self.lookup.authority.folder.fold
        for word in (before, after):
            if word is None:
                continue
            key = fold(word)
            if key not in self.given and key not in index.given_keys:
                continue
            if key in index.person_keys.get(pid, ()) or _near_given(key, index.given_of.get(pid, ())):
                continue
            return True
        return False

    def _settle(self, mentions: list) -> list:
        """The bare common surnames held back while reading, linked now if the whole text supports them
        (the person named somewhere in it, or contemporaries of theirs named: `DocContext.knows`)."""
        from .normalize import Mention

        out = list(mentions)
        authority = self.lookup.authority
        for place, start, stop, res, report in reversed(self._pending):
            if not self._ctx.knows(res, authority):
                continue
            m = Mention(start + self._base, stop + self._base, self._text[start:stop], res)
            out.insert(place, m)
            if report is not None:
                report.add_mention(m)
        self._pending = []
        return out

    def _extra_mentions(self, mentions: list, text: str, report) -> list:
        """Mentions the scan of capitalised words cannot see: a name after a hyphen inside a compound
        (Malenkov-Molotov-csoport) and a name with "?" printed for a letter (Mi?unovi?). Each is one
        word, taken only when the decision is sure of it without context (a family name, exactly or
        inflected, not a common surname)."""
        from .normalize import Mention

        found = []
        base = self._base
        for m in mentions:  # Malenkov-Molotov-csoport: the parts after the first
            pos = m.end - base
            while pos < len(text) - 1 and text[pos] == "-" and (part := _PART.match(text, pos + 1)):
                res = self._sure_word(part.group())
                if res is None:
                    break
                found.append(Mention(part.start() + base, part.end() + base, part.group(), res))
                pos = part.end()
        if "?" in text:
            taken = [(m.start - base, m.end - base) for m in mentions]
            for w in _QWORD.finditer(text):
                if any(a < w.end() and w.start() < b for a, b in taken):
                    continue
                forms = damaged_forms(w.group())
                res = next((r for f in forms if (r := self._sure_word(f)) is not None), None)
                if res is not None:
                    found.append(Mention(w.start() + base, w.end() + base, w.group(), res))
        if not found:
            return mentions
        for m in found:
            self._seen.add(m.match.pid)
            if report is not None:
                report.add_mention(m)
        return sorted(mentions + found, key=lambda m: m.start)

    def _sure_word(self, word: str):
        key = self.lookup.authority.folder.fold(word)
        if not key or " " in key or key in self.common:
            return None
        d = self.lookup.decide_words([(key, False)], style=self.style)
        res = d.best
        if res is None or d.needs_context or res.own < S_INFLECTED or not res.family_reading:
            return None
        return res

    def _date_after(self, text: str, tok) -> bool:
        """Is the word a month name followed by a number (a date)?"""
        return tok.key in self.lookup.decider.lexicon.months and _DAY_AFTER.match(text, tok.end) is not None

    def _take_ambiguous(self, start: int, stop: int, decision: Decision, text: str, mentions: list, end: int) -> int:
        """Record text[start:stop] as an ambiguous mention (not linked; the persons it may be, best first)."""
        from .normalize import Mention

        mentions.append(Mention(start + self._base, stop + self._base, text[start:stop], decision.candidates[0],
                                ambiguous=tuple(decision.ids)))
        self._last_end = stop
        return end

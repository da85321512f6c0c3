"""A document's evidence for the decision (`decide.Decider.decide`): who the text has named so far.

- persons named in full (a given name or initial beside the surname) anchor later partial mentions:
  after "Ferenc Nagy", a bare "Nagy" is Ferenc, never silently Imre;
- a surname the text gives to somebody the table does not have ("Ferenc Nagy" with no such person in
  the table, "Vukašin Mićunović") counts against the table's person of that surname, unless that
  person was named in full as often;
- persons of the table named so far whose lives overlap a candidate's support a bare common surname;
- the years the text mentions against the authority's life dates: of namesakes, one born after every
  year of the text is not the one it reports on (read only when namesakes fit: a scan of the text).

Evidence that is missing weighs nothing: a person without life dates, a text without years, a surname
never named in full leave the ranking as it is.
"""

from __future__ import annotations

from collections import Counter

CONTEMPORARIES = 1  # persons of the table named so far whose lives overlap: support for a common surname
_CENTURIES = ("19", "20", "18", "17", "16")  # the first two digits of a year the texts can mention


def latest_year(text: str) -> int | None:
    """The latest year from 1600 to 2099 in a text (four digits, not inside a longer number), or None.
    Found with str.find (a text of a megabyte in about a millisecond, where a regular expression takes
    twenty)."""
    latest = None
    n = len(text)
    for prefix in _CENTURIES:
        i = text.find(prefix)
        while i != -1:
            j = i + 4
            if (j <= n and "0" <= text[i + 2] <= "9" and "0" <= text[i + 3] <= "9"
                    and not (i and "0" <= text[i - 1] <= "9") and not (j < n and "0" <= text[j] <= "9")):
                year = int(text[i:j])
                if 1600 <= year and (latest is None or year > latest):
                    latest = year
            i = text.find(prefix, i + 1)
    return latest


class DocContext:
    """What one text (or one chunk of a stream) has told so far; the normalizer updates it as it reads."""

    __slots__ = ("text", "seen", "full", "others", "_latest_year")

    def __init__(self, text: str, seen: set[str]):
        self.text = text
        self.seen = seen  # persons linked so far (the normalizer's own set)
        self.full: Counter = Counter()  # person -> mentions with a given name or initial
        self.others: Counter = Counter()  # person -> their surname given to someone else by the text
        self._latest_year: int | None = -1  # -1: not read yet; None: the text names no year

    def latest_year(self) -> int | None:
        """The latest year the text mentions (read once, when a decision first needs it)."""
        if self._latest_year == -1:
            self._latest_year = latest_year(self.text)
        return self._latest_year

    def knows(self, m, authority=None) -> bool:
        """Does the text support the person (a bare common surname needs that): named already, or, with no
        one else given their surname, CONTEMPORARIES persons named so far whose lives overlap theirs (a
        Russian report on 1956 naming Khrushchev, Tito and Andropov before "Надь")?"""
        if self.others[m.pid] > self.full[m.pid]:
            return False
        if m.pid in self.seen:
            return True
        if authority is None or m.person.born is None or len(self.seen) < CONTEMPORARIES:
            return False
        lo, hi = m.person.born, m.person.died or 2100
        n = 0
        for pid in self.seen:
            other = authority.persons.get(pid)
            if other is not None and other.born is not None and other.born <= hi and lo <= (other.died or 2100):
                n += 1
                if n >= CONTEMPORARIES:
                    return True
        return False

    def weigh(self, fit: list) -> list:
        """The candidates the document does not speak against, in their order."""
        out = []
        latest = self.latest_year() if len(fit) > 1 else None  # years decide between namesakes
        for m in fit:
            born = m.person.born
            if latest is not None and born is not None and born > latest:
                continue  # born after every year the text mentions
            if m.bare and self.others[m.pid] > self.full[m.pid]:
                continue  # the text gives this surname to somebody else more often than to them
            out.append(m)
        return out

    def supported(self, top, tied: list):
        """Of persons who fit about equally, the one the text has named in full clearly more often than
        the others, or None."""
        counts = sorted(((self.full[m.pid], m) for m in [top, *tied]), key=lambda x: -x[0])
        first, second = counts[0][0], counts[1][0]
        if first > 0 and first >= 2 * second:
            return counts[0][1]
        return None

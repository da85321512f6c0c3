"""The word index of an authority: every folded key of every name word, updated person by person.

Built once from the authority; an edit (here or in another process, read from the store's change log)
replaces the entries of the persons it touched (`apply`), so that the cost of an edit does not grow with
the size of the authority.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import count

from rapidfuzz import fuzz

from .authority import Authority, NamePart
from .model import Person


class Index:
    """The word index of an authority, updated when the authority changes."""

    def __init__(self, authority: Authority):
        self.authority = authority
        self.fold = authority.folder.fold
        self.cache: dict[str, list] = {}  # query word -> its Hits (lookup.explain)
        self.grouped: dict[str, tuple[dict[str, list], bool, frozenset[str]]] = {}
        self.words: dict[str, list[tuple[NamePart, str]]] = defaultdict(list)  # key -> (part, role)
        self.given_keys: dict[str, int] = {}  # given-name key -> how many persons have it (`key in` works)
        self.initials: dict[str, set[str]] = defaultdict(set)
        self.person_keys: dict[str, set[str]] = defaultdict(set)  # every key of every person
        self.given_of: dict[str, set[str]] = defaultdict(set)  # given-name keys of each person
        # keys by length and first two letters, and by length and last two (`ends`): where a damaged word's
        # neighbours are looked for (one slip leaves one of its ends whole)
        self.by_end: dict[tuple[int, str, int], dict[str, None]] = defaultdict(dict)
        self.serial = next(_SERIAL)  # which index: caches built on an index compare (serial, generation)
        self.generation = 0  # how many times `apply` changed entries
        self.restored = False  # opened from a persisted state (translit.persist), not built
        for person in authority:
            self.add_person(person)

    @property
    def keys(self):
        return self.words.keys()

    _TRANSIENT = ("authority", "fold", "cache", "grouped", "serial", "generation", "restored")

    def state(self) -> dict:
        """What `persist` saves: the entries, not the caches nor the authority."""
        return {k: v for k, v in self.__dict__.items() if k not in self._TRANSIENT}

    @classmethod
    def from_state(cls, authority: Authority, state: dict) -> Index:
        index = cls.__new__(cls)
        index.__dict__.update(state)
        index.authority, index.fold = authority, authority.folder.fold
        index.cache, index.grouped = {}, {}
        index.serial, index.generation, index.restored = next(_SERIAL), 0, True
        return index

    # -- one person's entries -----------------------------------------------------------------
    def _plan(self, person: Person):
        """What a person puts into the index: [(key, part, role)] (each (key, role) once), the keys of
        given names it contributes, its initials and its given-name keys."""
        folder = self.authority.folder
        parts = self.authority.name_parts(person)
        family_keys: set[str] = set()
        given_keys: set[str] = set()
        for part in parts:
            if part.role in ("family", "pseudonym"):
                family_keys |= folder.keys(part.form)
            elif part.role in ("given", "patronymic"):
                given_keys |= set(folder.keys(part.form))
        puts: list[tuple[str, NamePart, str]] = []
        contrib: set[str] = set()
        initials: set[str] = set()
        given_of: set[str] = set()
        seen: set[tuple[str, str]] = set()

        def put(word: str, part: NamePart, role: str) -> None:
            if role == "given" and len(word) > 1:
                contrib.add(word)
                given_of.add(word)
                initials.add(word[0])
            if role == "patronymic":
                initials.add(word[0])
            if (word, role) not in seen:
                seen.add((word, role))
                puts.append((word, part, role))

        for part in parts:
            for key in folder.keys(part.form):
                words = key.split()
                if not words:
                    continue
                initials.update(w for w in words if len(w) == 1)  # Rainer M. János
                if part.role != "full":
                    for w in words:
                        put(w, part, part.role if len(words) == 1 else _role_in(w, family_keys, given_keys, part.role))
                    continue
                for i, w in enumerate(words):
                    role = _role_in(w, family_keys, given_keys, None)
                    if role is None and family_keys and given_keys:
                        # a variant in the other order or damaged: the word is whichever part it resembles
                        fam = max(fuzz.ratio(w, k) for k in family_keys)
                        giv = max(fuzz.ratio(w, k) for k in given_keys)
                        if max(fam, giv) >= 60 and fam != giv:
                            role = "family" if fam > giv else "given"
                    if role is None:
                        last = i == len(words) - 1 if person.order == "given-family" else i == 0
                        role = "family" if last else "given"
                    put(w, part, role)
        contrib |= {k for k in given_keys if len(k) > 1}
        initials |= {k[0] for k in given_keys}
        if any(p.role == "pseudonym" for p in parts):
            initials |= {k[0] for k in family_keys}
        return puts, contrib, initials, given_of

    def add_person(self, person: Person) -> None:
        pid = person.id
        puts, contrib, initials, given_of = self._plan(person)
        keys = self.person_keys[pid]
        for word, part, role in puts:
            keys.add(word)
            entries = self.words.get(word)
            if entries is None:
                self.words[word] = [(part, role)]
                for end in ends(word):
                    self.by_end[end][word] = None
            else:
                entries.append((part, role))
        for k in contrib:
            self.given_keys[k] = self.given_keys.get(k, 0) + 1
        if initials:
            self.initials[pid] |= initials
        if given_of:
            self.given_of[pid] |= given_of

    def remove_person(self, person: Person) -> None:
        """Take out every entry of `person` (as it was indexed)."""
        pid = person.id
        for word in self.person_keys.pop(pid, ()):
            entries = self.words.get(word)
            if entries is None:
                continue
            kept = [e for e in entries if e[0].person_id != pid]
            if kept:
                self.words[word] = kept
            else:
                del self.words[word]
                for end in ends(word):
                    bucket = self.by_end.get(end)
                    if bucket is not None:
                        bucket.pop(word, None)
                        if not bucket:
                            del self.by_end[end]
        _, contrib, _, _ = self._plan(person)
        for k in contrib:
            n = self.given_keys.get(k, 0) - 1
            if n > 0:
                self.given_keys[k] = n
            else:
                self.given_keys.pop(k, None)
        self.initials.pop(pid, None)
        self.given_of.pop(pid, None)

    def apply(self, changes: dict[str, Person | None]) -> None:
        """The persons changed since this index was made ({id: the person as indexed, or None}): their
        entries replaced by those of the person as it is now. Cached explanations of query words are
        dropped (a new key can explain any word near it)."""
        for pid, old in changes.items():
            if old is not None:
                self.remove_person(old)
            new = self.authority.get(pid)
            if new is not None:
                self.add_person(new)
        if changes:
            self.generation += 1
            self.cache.clear()
            self.grouped.clear()


_SERIAL = count()


def ends(word: str, length: int | None = None) -> tuple[tuple[int, str, int], tuple[int, str, int]]:
    """The two buckets of a key (of a word of `length`, for a query's neighbours of another length)."""
    n = len(word) if length is None else length
    return (n, word[:2], 0), (n, word[-2:], 1)


def _role_in(word, family_keys, given_keys, default):
    if word in family_keys:
        return "family"
    if word in given_keys:
        return "given"
    return default

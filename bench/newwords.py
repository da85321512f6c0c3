"""A text where almost every word is new: word forms of the pymorphy3 dictionary (OpenCorpora), each used
about once, in sentences of twelve, the first word capitalised and one word in twenty a capitalised name
(a Name/Surn/Patr form), one in two hundred in capitals (ЦК, ХРУЩЁВ: the words the general engine takes)."""

from __future__ import annotations

import random
from functools import lru_cache


@lru_cache(maxsize=2)
def dictionary_forms(every: int = 7) -> tuple[list[str], list[str]]:
    """(every `every`-th word form of the dictionary, the name forms among all), in the dictionary's order."""
    import pymorphy3

    d = pymorphy3.MorphAnalyzer().dictionary
    names_tags = {i for i, t in enumerate(d.gramtab) if any(g in str(t) for g in ("Name", "Surn", "Patr"))}
    words, names = [], []
    for k, (word, (pid, idx)) in enumerate(d.words.iteritems("")):
        paradigm = d.paradigms[pid]
        if paradigm[len(paradigm) // 3 + idx] in names_tags:
            names.append(word)
        elif k % every == 0 and word.isalpha():
            words.append(word)
    return words, names


def new_word_text(size_bytes: int, seed: int = 11) -> str:
    rng = random.Random(seed)
    words, names = dictionary_forms()
    words, names = words[:], names[:]
    rng.shuffle(words)
    rng.shuffle(names)
    lines, n, w, m = [], 0, 0, 0
    while n < size_bytes:
        line = []
        for k in range(12):
            r = rng.random()
            if r < 0.05:
                word = names[m % len(names)].capitalize()
                m += 1
            else:
                word = words[w % len(words)]
                w += 1
                if r > 0.995:
                    word = word.upper()
            line.append(word.capitalize() if k == 0 else word)
        text = " ".join(line) + ".\n"
        lines.append(text)
        n += len(text.encode("utf-8"))
    return "".join(lines)

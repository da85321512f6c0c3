"""Long texts through a scheme with context rules: one loop in C over the text, the few words it is not
for through the general engine.

The case-sensitive engine (`Scheme._cased`: the rules as a loop in C, `_speedups.Rules`) answers
every text whose capitals start words, at 50-110 MB/s whether its words are new or not; a word with a
capital inside it (ХРУЩЁВ, МакДональд) or a letter of the rules' hazards is what it is not for
(`engine[2]` finds them). Rules look inside a word only, so the text is cut around each such word, at
the spaces and line breaks that bound it: the stretches between go through the loop, the words through
`whole` (the general engine), and the pieces are joined in order. This is the path for text where most
words are new: the word cache of `Scheme._by_words` pays back only where words repeat, and the loop is
faster than its two passes over the pieces even then.
"""

from __future__ import annotations

from collections.abc import Callable


def run_segments(run: Callable[[str], str], whole: Callable[[str], str], risky, text: str) -> str:
    out: list[str] = []
    pos = 0
    find, rfind = text.find, text.rfind
    n = len(text)
    for m in risky.finditer(text):
        start = m.start()
        if start < pos:
            continue  # inside the word just taken
        begin = max(rfind(" ", 0, start), rfind("\n", 0, start)) + 1
        space, newline = find(" ", m.end() - 1), find("\n", m.end() - 1)
        end = min(x for x in (space, newline, n) if x >= 0)
        if begin > pos:
            out.append(run(text[pos:begin]))
        out.append(whole(text[max(begin, pos):end]))
        pos = end
    if not out:
        return run(text)
    if pos < n:
        out.append(run(text[pos:]))
    return "".join(out)

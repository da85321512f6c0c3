"""Latin -> Russian Cyrillic: the former home of reverse transliteration, kept for its importers.

The search lives in `reverse_search.py` (over each scheme's inverse, `inverse.py`), ranked by the name
model of `namemodel.py`.
"""

from __future__ import annotations

from .reverse_search import identify, reverse_candidates

__all__ = ["identify", "reverse_candidates"]

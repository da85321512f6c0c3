"""One policy for the caches of lookup and normalization: bounded, and cleared whole when full.

A cache that refuses new entries once full keeps answering for the words of the first texts it read
and never for those of a corpus whose vocabulary moves on; one cleared whole when full costs one
re-learning of the words in use (each is one lookup) and needs no bookkeeping per entry.
"""

from __future__ import annotations

LIMIT = 500_000  # entries of one cache (a word cache entry is a few hundred bytes: ~0.2 GB at most)


def remember(cache: dict, key, value, limit: int = LIMIT):
    """cache[key] = value, the cache emptied first when it holds `limit` entries; returns value."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value

"""What an import did: counts, conflicts and bad records, as lines for the terminal and as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportSummary:
    source: str
    read: int = 0
    unchanged: int = 0
    added: int = 0
    joined: int = 0
    joined_by_name: int = 0
    updated: int = 0
    deleted: int = 0
    redirects: int = 0
    batches: int = 0
    persons_written: int = 0
    conflicts: list[dict] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # counted by the readers: not-human, filtered ...

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def lines(self) -> list[str]:
        out = [f"{self.source}: {self.read} records read, {self.unchanged} unchanged since the last import",
               f"  {self.added} new persons, {self.joined} joined existing persons"
               f" ({self.joined_by_name} by name and birth year), {self.updated} updated from upstream",
               f"  {self.persons_written} persons written in {self.batches} transactions,"
               f" {self.redirects} redirects, {self.deleted} deleted upstream"]
        if self.skipped:
            out.append("  skipped: " + ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())))
        for c in self.conflicts[:20]:
            out.append(f"  conflict: {c['record']} -> {c['person']}: {c['field']}: local {c['local']!r},"
                       f" upstream {c['upstream']!r}")
        if len(self.conflicts) > 20:
            out.append(f"  ... {len(self.conflicts) - 20} more conflicts (see --report or the import_conflict table)")
        out.append(f"  {len(self.conflicts)} conflicts for review, {len(self.bad)} bad records")
        out.extend(f"  bad record: {b}" for b in self.bad[:20])
        return out

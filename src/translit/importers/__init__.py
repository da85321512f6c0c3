"""Importers and exporters of authority data: Wikidata, MARC 21, lobid-gnd, EAC-CPF (and CSV/MARC out).

Every reader turns its format into neutral `Record`s (records.py); `write.Importer` resolves each record
to one person (a shared external id joins; otherwise a careful name-and-dates join; otherwise a new person)
and writes through the store's transaction contract, in batches of one transaction each.
"""

from .records import Record, RecordError
from .summary import ImportSummary
from .write import Importer

__all__ = ["ImportSummary", "Importer", "Record", "RecordError"]

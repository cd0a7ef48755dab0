"""Loss-free ingestion: readers, mappings, validation, quarantine, merge."""

from insightdesk.ingest.mapping import KINDS, MappingError, available_profiles, load_profile
from insightdesk.ingest.pipeline import IngestError, IngestResult, ingest_file

__all__ = [
    "KINDS",
    "IngestError",
    "IngestResult",
    "MappingError",
    "available_profiles",
    "ingest_file",
    "load_profile",
]

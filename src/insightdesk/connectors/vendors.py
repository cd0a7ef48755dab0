"""Which streams each vendor has, in the order they sync (records before what refers to them)."""

from __future__ import annotations

from insightdesk.connectors import freshdesk, jira, servicenow, zendesk
from insightdesk.connectors.sources import SourceConfig, SourceConfigError
from insightdesk.connectors.streams import Stream

VENDOR_STREAMS: dict[str, tuple[Stream, ...]] = {
    "zendesk": zendesk.STREAMS,
    "servicenow": servicenow.STREAMS,
    "freshdesk": freshdesk.STREAMS,
    "jira": jira.STREAMS,
}


def streams_for(source: SourceConfig) -> list[Stream]:
    """The source's streams (all of its vendor's, or those it lists), in sync order."""
    available = VENDOR_STREAMS.get(source.vendor, ())
    if not source.streams:
        return list(available)
    names = {s.name for s in available}
    unknown = [s for s in source.streams if s not in names]
    if unknown:
        raise SourceConfigError(
            f"source {source.name}: unknown stream {unknown[0]!r} for {source.vendor} "
            f"(streams: {', '.join(sorted(names))})"
        )
    return [s for s in available if s.name in source.streams]

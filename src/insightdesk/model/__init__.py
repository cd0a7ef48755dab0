"""Vocabularies of the canonical model (the tables themselves live in `insightdesk.store.tables`)."""

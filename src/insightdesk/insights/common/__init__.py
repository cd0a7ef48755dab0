"""What the insight features share: per-ticket features and the bookkeeping of analysis runs."""

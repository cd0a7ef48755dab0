"""Live connectors: incremental pulls from helpdesk APIs with cursors, rate limits and webhooks."""

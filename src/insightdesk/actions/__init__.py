"""Closed loop: rules on events that create follow-up tasks, notify, escalate and write back to the helpdesk."""

"""Surveys: definitions with versions, languages and skip logic, triggers, fatigue rules, delivery and intake."""

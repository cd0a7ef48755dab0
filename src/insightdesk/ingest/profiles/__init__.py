"""Bundled mapping profiles (YAML), one per helpdesk export format."""

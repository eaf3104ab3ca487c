"""Notifications through a transactional outbox (healthchecks' Flip + sendalerts pattern)."""

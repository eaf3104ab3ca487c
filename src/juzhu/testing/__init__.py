"""Test and benchmark harnesses (scratch PostgreSQL clusters, replicas, PgBouncer).

Production code never imports this package (an import-linter contract says so)."""

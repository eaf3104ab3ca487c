"""The registry: people, residence registrations, applications, permits, appeals, events."""

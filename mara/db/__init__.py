"""Persistence: ORM models, engines, and the unit of work (the only place that commits)."""

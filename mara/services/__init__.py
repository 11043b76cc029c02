"""Use cases called by the entry points: take primitives and a unit of work, return plain values."""

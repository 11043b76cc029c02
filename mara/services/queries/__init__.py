"""Read side of the staff web and API: lists, counts, details (no writes)."""

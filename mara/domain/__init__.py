"""Pure domain rules: business calendar and deadlines, tickets, channels and hours,
messages (no I/O)."""

"""MARA core: domain rules, services and the adapters that call them."""

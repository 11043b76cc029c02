"""Rasa custom actions and form validators: thin adapters over mara.services."""

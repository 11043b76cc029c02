"""Rasa custom actions and form validators: thin adapters over bot.services."""

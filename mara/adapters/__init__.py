"""Adapters to the outside world: Twilio (form parsing, sender), the Rasa client, Redis/RQ."""

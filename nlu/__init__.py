"""Code that runs inside the Rasa environment (.venv-rasa): no application imports here."""

"""HTTP adapters (Flask blueprints): Twilio webhooks, health checks, staff pages, API."""

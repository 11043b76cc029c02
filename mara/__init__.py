"""MARA: the WhatsApp PQRS assistant. Layers, from the outside in: web/jobs/ops (entry
points) → services (use cases) → adapters/db → text/policy → domain (pure rules)."""

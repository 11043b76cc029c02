"""Entry point for gunicorn (`webhook:create_app()`): the factory lives in mara.web."""

from mara.web import create_app

__all__ = ["create_app"]

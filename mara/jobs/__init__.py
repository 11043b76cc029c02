"""Thin RQ entry points (plain functions taking ids) and the registry of scheduled jobs."""

"""The Caja's policy as data: config/*.yml loaded and validated once (channels, deadlines,
types, catalogs, texts)."""

from mara.settings import ROOT

CONFIG_DIR = ROOT / "config"

"""`stagesmith build`: not implemented yet."""

from __future__ import annotations

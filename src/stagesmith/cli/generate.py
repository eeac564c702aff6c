"""`stagesmith generate`: not implemented yet."""

from __future__ import annotations

"""stagesmith: production container images, the multi-stage way."""

__version__ = "0.1.0"

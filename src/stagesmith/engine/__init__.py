"""stagesmith.engine."""

"""stagesmith.image."""

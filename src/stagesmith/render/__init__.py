"""stagesmith.render."""

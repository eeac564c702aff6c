"""stagesmith.lint."""

"""stagesmith.lint.rules."""

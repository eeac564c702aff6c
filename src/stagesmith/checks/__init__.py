"""stagesmith.checks."""

"""stagesmith.spec."""

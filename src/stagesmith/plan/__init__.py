"""stagesmith.plan."""

"""stagesmith.report."""

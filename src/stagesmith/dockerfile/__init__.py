"""stagesmith.dockerfile."""

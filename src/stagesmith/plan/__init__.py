"""stagesmith.plan: ``BuildPlan`` is plain data (pydantic, JSON round-trip)."""

from stagesmith.plan.combined import Decision, EcoPlan, Stage

BuildPlan = EcoPlan

__all__ = ["BuildPlan", "Decision", "Stage"]

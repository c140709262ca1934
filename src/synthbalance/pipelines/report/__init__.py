"""report: one self-contained HTML page of a run, with a plain-language verdict."""

from synthbalance.pipelines.report.pipeline import create_pipeline

__all__ = ["create_pipeline"]

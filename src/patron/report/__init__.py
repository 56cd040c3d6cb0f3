"""The analysis report: one self-contained HTML file with charts, readable offline."""

from patron.report.builder import ReportResult, build_report, render_html

__all__ = ["ReportResult", "build_report", "render_html"]

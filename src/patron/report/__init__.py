"""The analysis report: one self-contained HTML file with charts, readable offline."""

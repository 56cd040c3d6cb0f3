"""Analytical CRM: one module per question (features, segments, lifecycle, loyalty, clv, csi, churn, linkage)."""

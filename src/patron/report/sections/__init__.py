"""The report's sections, one module per question, in the order they are computed.

Each section calls the job or library function its room owns and shows that result's
figures; the summary comes first on the page and is computed last.
"""

from __future__ import annotations

from collections.abc import Callable

from patron.core.i18n import N_
from patron.report.section import ReportContext, Section
from patron.report.sections.campaigns import campaigns_section, summary_section
from patron.report.sections.churn import churn_section
from patron.report.sections.clv import clv_satisfaction_section, clv_section
from patron.report.sections.comments import comments_section
from patron.report.sections.csi import csi_section
from patron.report.sections.csi_programme import csi_programme_section
from patron.report.sections.lifecycle import cohort_section, lifecycle_section
from patron.report.sections.linkage import linkage_section, recovery_section, value_at_risk_section
from patron.report.sections.loyalty import loyalty_section
from patron.report.sections.segments import segments_section

SECTIONS: list[tuple[str, Callable[[ReportContext], Section], str]] = [
    ("csi", csi_section, N_("Customer satisfaction index and its drivers")),
    ("csi_programme", csi_programme_section, N_("Satisfaction by unit, period after period")),
    ("comments", comments_section, N_("What customers say")),
    ("loyalty", loyalty_section, N_("Loyalty scorecard")),
    ("segments", segments_section, N_("Segments and the 20/80 curve")),
    ("lifecycle", lifecycle_section, N_("Lifecycle funnel and transitions")),
    ("cohorts", cohort_section, N_("Cohort retention")),
    ("clv", clv_section, N_("Customer lifetime value")),
    ("clv_satisfaction", clv_satisfaction_section, N_("What satisfaction is worth")),
    ("churn", churn_section, N_("Churn risk and its reasons")),
    ("value_at_risk", value_at_risk_section, N_("Value at risk")),
    ("recovery", recovery_section, N_("Complaint recovery")),
    ("linkage", linkage_section, N_("Satisfaction and what customers did next")),
    ("campaigns", campaigns_section, N_("Campaigns and their effect")),
]

__all__ = ["SECTIONS", "summary_section"]

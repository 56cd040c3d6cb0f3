"""Write the analysis report: one self-contained HTML file that opens offline.

The page carries its own Vega, Vega-Lite and Vega-Embed (shipped in
``patron/report/static/``), every chart as an inline Vega-Lite spec of aggregated data,
and next to each figure the command that recomputes it. Nothing is fetched when the
file is opened.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from patron.core.i18n import _, current_language, format_date, format_datetime, language
from patron.core.progress import as_callback
from patron.exceptions import InputError
from patron.report.section import ReportContext, Section, run_section
from patron.report.sections import SECTIONS, summary_section

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "templates"
VENDOR = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "vega-locale.js")

__all__ = ["ReportResult", "build_report", "render_html"]


@dataclass
class ReportResult:
    """Where the report went and what it holds."""

    path: Path
    sections: list[Section]
    seconds: float
    bytes: int
    notes: list[str] = field(default_factory=list)

    def to_printer(self):
        """What was written, for the CLI and the demo."""
        from patron.core.printer import Printer

        ok = sum(s.status == "ok" for s in self.sections)
        return Printer(
            title=_("Report written to {path}").format(path=self.path),
            facts={
                _("sections shown"): f"{ok} / {len(self.sections)}",
                _("size (kB)"): round(self.bytes / 1024),
                _("seconds"): round(self.seconds, 1),
            },
            notes=[
                _("{title}: {message}").format(title=s.title, message=s.message)
                for s in self.sections
                if s.status != "ok"
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "seconds": round(self.seconds, 2),
            "bytes": self.bytes,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "status": s.status,
                    "message": s.message,
                    "charts": len(s.charts),
                    "seconds": round(s.seconds, 2),
                }
                for s in self.sections
            ],
        }


def _vendor_js() -> str:
    parts = []
    for name in VENDOR:
        text = (STATIC / name).read_text(encoding="utf-8")
        # An inline script ends at the first "</script": keep the libraries' strings apart.
        parts.append(text.replace("</script", "<\\/script"))
    return "\n;\n".join(parts)


def _json_for_script(payload: Any) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(
    sections: list[Section], *, title: str, subtitle: str, generated: str, lang: str
) -> str:
    """The page from its sections (Jinja2 template ``report.html``)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = _
    counter = 0
    specs = {}
    for section in sections:
        for chart in section.charts:
            counter += 1
            chart.id = f"chart-{counter}"
            specs[chart.id] = chart.spec
    template = env.get_template("report.html")
    return template.render(
        title=title,
        subtitle=subtitle,
        generated=generated,
        lang="zh-CN" if lang == "zh_CN" else "en",
        sections=sections,
        specs_json=_json_for_script(specs),
        vendor_js=_vendor_js(),
    )


def build_report(
    workspace: Any,
    *,
    out: str | Path | None = None,
    lang: str | None = None,
    unit: str | None = None,
    as_of: date | str | None = None,
    horizon: str = "365d",
    engine: Any = None,
    progress: Any = None,
) -> ReportResult:
    """Compute every section from the workspace and write the HTML report.

    Parameters
    ----------
    workspace : Workspace
    out : path, default=None
        The HTML file (default ``WORKSPACE/reports/report[-unit].html``).
    lang : {"en", "zh_CN"}, default=None
        Language of the page (default: the current language).
    unit : str, default=None
        The organisation unit reported on, with everything below it ("all": the whole
        organisation; default: the workspace's ``[analytics] default_unit``).
    as_of : date, default=None
        The report's "today" (default: the last sale in the scope).
    horizon : str, default="365d"
        Churn horizon and the follow-up window of the satisfaction links.
    engine : str or ibis backend, default=None
        Where the analyses run (DuckDB by default, ``"spark"``).
    progress : callable, default=None
        Called as ``progress(task, done, total)`` after each section.
    """
    from patron.jobs.context import AnalysisContext

    report = as_callback(progress)
    started = time.perf_counter()
    with language(lang):
        lang_now = current_language()
        analysis = AnalysisContext.open(workspace, unit=unit, engine=engine, as_of=as_of)
        ctx = ReportContext(
            analysis=analysis,
            horizon=horizon,
            currency=workspace.config.locale.currency,
        )
        history = ctx.history
        sections: list[Section] = []
        steps = list(SECTIONS)
        for done, (key, build, title) in enumerate(steps):
            report(_(title), done, len(steps) + 1)
            sections.append(run_section(key, build, title, ctx))
        report(_("Executive summary"), len(steps), len(steps) + 1)
        summary = summary_section(ctx, sections)
        sections.insert(0, summary)
        report(_("Executive summary"), len(steps) + 1, len(steps) + 1)
        scope = analysis.scope
        suffix = f"-{scope.code}" if scope.code else ""
        path = Path(out) if out else Path(workspace.reports) / f"report{suffix}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        from datetime import UTC, datetime

        subtitle = _("{customers} customers · data up to {date}").format(
            customers=f"{history.orders['customer_id'].nunique():,}",
            date=format_date(analysis.as_of),
        )
        subtitle += " · " + scope.label()
        page = render_html(
            sections,
            title=_("Patron customer satisfaction and loyalty report"),
            subtitle=subtitle,
            generated=_("Generated {when} by Patron").format(
                when=format_datetime(datetime.now(UTC).replace(microsecond=0))
            ),
            lang=lang_now,
        )
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            _("{path} cannot be written: {reason}").format(path=path, reason=exc)
        ) from exc
    return ReportResult(
        path=path,
        sections=sections,
        seconds=time.perf_counter() - started,
        bytes=path.stat().st_size,
        notes=list(history.notes),
    )

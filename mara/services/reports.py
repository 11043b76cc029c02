"""Quarterly report of the policy's measurements: per type, area and channel — received,
answered on time, business days to answer, overdue, resarcimientos, satisfaction (Excelente
100 / Bueno 80 / Regular 60 / Deficiente 0), recommendation (NPS) and survey response rate."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from mara.db.models import Survey, SurveyResponse, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.calendar import BOGOTA, BusinessCalendar
from mara.domain.sla import business_days_between
from mara.policy.areas import area_directory
from mara.policy.channels import load_channels
from mara.policy.pqrs_types import catalog
from mara.policy.staff_texts import staff_text
from mara.policy.surveys import SurveyConfig, survey_config

NO_AREA = "sin_area"


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def last_day(self) -> date:
        if self.number == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.number + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}-T{self.number}"

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes (Bogotá midnight)."""
        start = datetime.combine(self.first_day, time(0), tzinfo=BOGOTA)
        end = datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=BOGOTA)
        return start, end

    @classmethod
    def of(cls, d: date) -> Quarter:
        return cls(d.year, (d.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026-Q4", "2026-T4", "2026-4" or "2026Q4"."""
        match = re.fullmatch(r"\s*(\d{4})\s*-?\s*[QqTt]?([1-4])\s*", text)
        if not match:
            raise ValueError(f"not a quarter: {text!r} (e.g. 2026-T4)")
        return cls(int(match.group(1)), int(match.group(2)))


@dataclass
class _Answers:
    ratings: dict[str, list[str]]
    scores: list[int]
    surveys_sent: int = 0
    surveys_answered: int = 0


def _pct(part: int | float, whole: int | float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _nps(scores: list[int]) -> dict[str, Any]:
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return {
        "answers": len(scores),
        "promoters": promoters,
        "passives": len(scores) - promoters - detractors,
        "detractors": detractors,
        "score": round(100.0 * (promoters - detractors) / len(scores), 1) if scores else None,
    }


def _satisfaction(answers: _Answers, config: SurveyConfig) -> dict[str, Any]:
    indicators = []
    for question in config.questions:
        if question.kind != "rating":
            continue
        given = answers.ratings.get(question.key, [])
        distribution = {rating: given.count(rating) for rating in config.scale}
        score = round(sum(config.scale[r] for r in given) / len(given), 1) if given else None
        indicators.append(
            {
                "key": question.key,
                "indicator": question.indicator,
                "answers": len(given),
                "score": score,
                "distribution": distribution,
            }
        )
    return {
        "indicators": indicators,
        "nps": _nps(answers.scores),
        "surveys_sent": answers.surveys_sent,
        "surveys_answered": answers.surveys_answered,
        "response_rate": _pct(answers.surveys_answered, answers.surveys_sent),
    }


def _group_row(
    key: str,
    label: str,
    tickets: list[Ticket],
    answers: _Answers,
    calendar: BusinessCalendar,
    config: SurveyConfig,
    today: date,
) -> dict[str, Any]:
    answered = [t for t in tickets if t.answered_at is not None]
    answered_days = {
        t.id: t.answered_at.astimezone(BOGOTA).date() for t in tickets if t.answered_at is not None
    }
    on_time = sum(1 for t in answered if answered_days[t.id] <= t.answer_due_on)
    overdue = sum(
        1
        for t in tickets
        if (t.id in answered_days and answered_days[t.id] > t.answer_due_on)
        or (t.id not in answered_days and t.closed_at is None and today > t.answer_due_on)
    )
    days = [business_days_between(calendar, t.received_on, answered_days[t.id]) for t in answered]
    return {
        "key": key,
        "label": label,
        "received": len(tickets),
        "answered": len(answered),
        "answered_on_time": on_time,
        "on_time_pct": _pct(on_time, len(answered)),
        "avg_business_days": round(sum(days) / len(days), 1) if days else None,
        "overdue": overdue,
        "resarcimientos": sum(1 for t in tickets if (t.resarcimiento or {}).get("applies")),
        "satisfaction": _satisfaction(answers, config),
    }


def _labels() -> dict[str, Callable[[str], str]]:
    types = {t.key.value: t.label for t in catalog().types}
    channels = {key: c.name for key, c in load_channels().items()}
    directory = area_directory()

    def area_label(slug: str) -> str:
        return staff_text("report.no_area") if slug == NO_AREA else directory.name_of(slug) or slug

    return {
        "type": lambda k: types.get(k, k),
        "area": area_label,
        "channel": lambda k: channels.get(k, k),
    }


def _dimension(ticket: Ticket, dimension: str) -> str:
    if dimension == "type":
        return ticket.pqrs_type
    if dimension == "area":
        return ticket.area_slug or NO_AREA
    return ticket.channel


def quarterly_report(
    uow: UnitOfWork,
    quarter: Quarter,
    calendar: BusinessCalendar,
    now: datetime,
    config: SurveyConfig | None = None,
) -> dict[str, Any]:
    """The report as a template-ready dict (the staff page, the CSV and the PDF use it).

    Requests count in the quarter they were received; satisfaction counts the surveys
    started in the quarter (a request closed late in one quarter is asked in the next).
    """
    config = config or survey_config()
    start, end = quarter.bounds()
    session = uow.session
    tickets = session.scalars(
        select(Ticket).where(Ticket.received_at >= start, Ticket.received_at < end)
    ).all()
    surveyed = session.execute(
        select(Survey, Ticket)
        .join(Ticket, Ticket.id == Survey.ticket_id)
        .where(Survey.started_at >= start, Survey.started_at < end)
    ).all()
    responses: dict[int, list[SurveyResponse]] = defaultdict(list)
    if surveyed:
        survey_ids = [s.id for s, _ in surveyed]
        for response in session.scalars(
            select(SurveyResponse).where(SurveyResponse.survey_id.in_(survey_ids))
        ):
            responses[response.survey_id].append(response)

    def answers_for(pairs: Iterable[tuple[Survey, Ticket]]) -> _Answers:
        result = _Answers(ratings=defaultdict(list), scores=[])
        for survey, _ticket in pairs:
            result.surveys_sent += 1
            given = [r for r in responses[survey.id] if not r.skipped]
            if given:
                result.surveys_answered += 1
            for r in given:
                if r.rating:
                    result.ratings[r.question].append(r.rating)
                if r.score is not None:
                    result.scores.append(r.score)
        return result

    today = now.astimezone(BOGOTA).date()
    labels = _labels()
    report: dict[str, Any] = {
        "quarter": quarter.label,
        "from": quarter.first_day.isoformat(),
        "to": quarter.last_day.isoformat(),
        "generated_at": now.astimezone(BOGOTA).isoformat(timespec="minutes"),
        "scale": dict(config.scale),
        "totals": _group_row(
            "total",
            "Total",
            list(tickets),
            answers_for((s, t) for s, t in surveyed),
            calendar,
            config,
            today,
        ),
        "notes": [staff_text("report.resarcimiento_note")],
    }
    for dimension in ("type", "area", "channel"):
        groups: dict[str, list[Ticket]] = defaultdict(list)
        for ticket in tickets:
            groups[_dimension(ticket, dimension)].append(ticket)
        survey_groups: dict[str, list[tuple[Survey, Ticket]]] = defaultdict(list)
        for survey, ticket in surveyed:
            survey_groups[_dimension(ticket, dimension)].append((survey, ticket))
        keys = sorted(set(groups) | set(survey_groups))
        report[f"by_{dimension}"] = [
            _group_row(
                key,
                labels[dimension](key),
                groups.get(key, []),
                answers_for(survey_groups.get(key, [])),
                calendar,
                config,
                today,
            )
            for key in keys
        ]
    return report


# The CSV's columns, in order; their titles are `report.col_<key>` in config/staff_texts.yml.
CSV_COLUMNS = [
    "dimension",
    "label",
    "received",
    "answered",
    "answered_on_time",
    "on_time_pct",
    "avg_business_days",
    "overdue",
    "resarcimientos",
]
_DIMENSIONS = ("totals", "by_type", "by_area", "by_channel")


def report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Flat rows (one per group) with the satisfaction figures as columns."""
    rows = []
    for section in _DIMENSIONS:
        groups = [report[section]] if section == "totals" else report[section]
        dimension = staff_text(f"report.dim_{section}")
        for group in groups:
            row = {"dimension": dimension, **{k: group.get(k) for k in CSV_COLUMNS[1:]}}
            satisfaction = group["satisfaction"]
            for indicator in satisfaction["indicators"]:
                row[indicator["indicator"]] = indicator["score"]
            row["NPS"] = satisfaction["nps"]["score"]
            row[staff_text("report.col_surveys_sent")] = satisfaction["surveys_sent"]
            row[staff_text("report.col_response_rate")] = satisfaction["response_rate"]
            rows.append(row)
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")  # Excel in Colombia reads a decimal comma
    return str(value)


def report_csv(report: dict[str, Any]) -> bytes:
    """CSV for Excel: UTF-8 with BOM, semicolons (the decimal separator is a comma)."""
    rows = report_rows(report)
    extra = [k for k in rows[0] if k not in CSV_COLUMNS] if rows else []
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    title = staff_text(
        "report.csv_title", quarter=report["quarter"], start=report["from"], end=report["to"]
    )
    writer.writerow([title])
    writer.writerow([staff_text(f"report.col_{key}") for key in CSV_COLUMNS] + extra)
    for row in rows:
        writer.writerow(
            [_cell(row.get(key)) for key in CSV_COLUMNS] + [_cell(row[k]) for k in extra]
        )
    for note in report["notes"]:
        writer.writerow([note])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")

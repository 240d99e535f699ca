"""A line chart of agreements over time, drawn on the server as SVG (no JavaScript)."""

import datetime as dt

from django.utils.html import escape

COLOURS = {
    "warrant-service-officer": "#1b6ca8",
    "jail-enforcement": "#b5651d",
    "task-force": "#7b2d8b",
    "total": "#222222",
}
LABELS = {
    "warrant-service-officer": "Warrant Service Officer",
    "jail-enforcement": "Jail Enforcement",
    "task-force": "Task Force",
    "total": "All models",
}
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 320, 56, 170, 16, 40


def line_chart(series: list[tuple[dt.date, dict[str, int]]], title: str) -> str:
    """One line per model and one for the total, dated on the x axis."""
    if not series:
        return ""
    points = [(day, {**counts, "total": sum(counts.values())}) for day, counts in series]
    top = max(max(c.values()) for _, c in points) or 1
    top = ((top // 100) + 1) * 100
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day):
        return LEFT + plot_w * (day - first).days / span

    def y(value):
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="chart-title" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for step in range(0, top + 1, max(top // 4, 1)):
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(step):.1f}" y2="{y(step):.1f}" '
            f'stroke="#ddd"/><text x="{LEFT - 6}" y="{y(step) + 4:.1f}" text-anchor="end" '
            f'font-size="12">{step}</text>'
        )
    for day in (first, last):
        parts.append(
            f'<text x="{x(day):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
            f'font-size="12">{day.isoformat()}</text>'
        )
    for index, key in enumerate(COLOURS):
        coords = " ".join(f"{x(day):.1f},{y(counts[key]):.1f}" for day, counts in points)
        parts.append(
            f'<polyline fill="none" stroke="{COLOURS[key]}" stroke-width="2.5" points="{coords}"/>'
        )
        legend_y = TOP + 18 * index + 10
        latest = points[-1][1][key]
        parts.append(
            f'<line x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 32}" y1="{legend_y}" '
            f'y2="{legend_y}" stroke="{COLOURS[key]}" stroke-width="3"/>'
            f'<text x="{WIDTH - RIGHT + 38}" y="{legend_y + 4}" font-size="12">'
            f"{escape(LABELS[key])} ({latest})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)

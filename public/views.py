"""Public pages. Anonymous visitors see published data only; curators may add
`?preview=drafts` to a profile to include drafts (nothing they see is stored)."""

from django.shortcuts import get_object_or_404, render

from jurisdictions.models import Jurisdiction
from policies import position_queries
from policies.api import published_instruments
from policies.api_positions import today
from policies.models import Position
from policyhub.api import ParameterError, parse_day


def can_preview(request) -> bool:
    return request.user.is_authenticated and request.user.has_perm("policies.view_instrument")


def _as_of(request):
    try:
        return parse_day(request.GET.get("as_of"), "as_of", default=today()), None
    except ParameterError as exc:
        return today(), exc.detail["as_of"][0]


def jurisdiction(request, slug):
    place = get_object_or_404(Jurisdiction.objects.select_related("parent", "state"), slug=slug)
    as_of, date_error = _as_of(request)
    preview = request.GET.get("preview") == "drafts" and can_preview(request)
    answers = position_queries.profile(place, as_of, include_drafts=preview)
    status = 400 if date_error else 200
    return render(
        request,
        "public/jurisdiction.html",
        {
            "place": place,
            "answers": answers,
            "as_of": as_of,
            "date_error": date_error,
            "preview": preview,
        },
        status=status,
    )


def instrument(request, pk):
    found = get_object_or_404(published_instruments(), pk=pk)
    decides = (
        Position.objects.on(today())
        .filter(provision__instrument=found)
        .select_related("jurisdiction", "dimension", "value")
        .order_by("dimension__position", "jurisdiction__fips")
    )
    return render(
        request,
        "public/instrument.html",
        {"instrument": found, "decides": decides[:200], "decides_count": decides.count()},
    )

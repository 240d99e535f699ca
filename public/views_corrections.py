"""'Report an error' on a profile or an instrument page: a short form whose report goes to
the curators in the admin (policies.Correction), never to a public page.

A wrong form comes back with status 400, what was typed kept and each problem named; past
the hourly limit of one client address (counted in the shared cache), 429 with the same.
A robot that fills the hidden honeypot field is thanked and nothing is stored."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.client import client_ip
from core.throttle import allow
from jurisdictions.models import Jurisdiction
from policies.forms import CorrectionForm
from policies.selectors import published_instruments
from policies.services import correction_report


@require_http_methods(["GET", "POST"])
def report_jurisdiction(request, slug):
    place = get_object_or_404(Jurisdiction, slug=slug)
    return _report(
        request,
        about=place.name,
        page=reverse("site:jurisdiction", args=[place.slug]),
        jurisdiction=place,
    )


@require_http_methods(["GET", "POST"])
def report_instrument(request, pk):
    found = get_object_or_404(published_instruments().select_related(None), pk=pk)
    return _report(
        request,
        about=found.title,
        page=reverse("site:instrument", args=[found.pk]),
        instrument=found,
        jurisdiction=found.jurisdiction,
    )


def _report(request, *, about, page, jurisdiction=None, instrument=None):
    context = {"about": about, "page": page, "sent": request.GET.get("sent") == "1"}
    if request.method == "GET":
        return render(request, "public/report.html", {**context, "form": CorrectionForm()})
    form = CorrectionForm(request.POST)
    context["form"] = form
    if not allow(
        scope="corrections",
        who=client_ip(request),
        limit=settings.CORRECTIONS_PER_HOUR,
        seconds=3600,
    ):
        context["limited"] = True
        return render(request, "public/report.html", context, status=429)
    if not form.is_valid():
        return render(request, "public/report.html", context, status=400)
    if not form.is_spam():
        correction_report(
            page=page,
            jurisdiction=jurisdiction,
            instrument=instrument,
            what_is_wrong=form.cleaned_data["what_is_wrong"],
            source=form.cleaned_data["source"],
            email=form.cleaned_data["email"],
        )
    response = HttpResponseRedirect(f"{request.path}?sent=1")
    response.status_code = 303  # See Other: a reload shows the thanks, not a second post
    return response

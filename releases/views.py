"""The pages of releases: one permanent page per release, and its files."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from releases.models import Release
from releases.services import release_directory
from releases.shapes import citation_of


def release_page(request, number: int):
    release = get_object_or_404(Release, number=number)
    page_url = request.build_absolute_uri()
    return render(
        request,
        "releases/release.html",
        {
            "release": release,
            "citation": citation_of(release, page_url),
            "files": sorted(release.manifest.items()),
            "changes": release.changelog,
            "counts": release.change_counts(),
        },
    )


def release_file(request, number: int, name: str):
    release = get_object_or_404(Release, number=number)
    if name not in release.manifest and name != "manifest.json":
        raise Http404(f"Release {number} has no file {name!r}.")
    path = release_directory(number) / name
    if not path.is_file():
        raise Http404(f"The file {name!r} of release {number} is missing.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)

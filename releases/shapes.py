"""The answers about releases, declared once (see core/shapes.py)."""

from typing import TypedDict

from releases.models import Release


class ReleaseFile(TypedDict):
    name: str
    sha256: str
    bytes: int
    url: str


class ReleaseSummary(TypedDict):
    number: int
    cut_at: str
    archive_sha256: str
    citation: str
    url: str
    files: list[ReleaseFile]
    rows: dict[str, int]


def citation_of(release: Release, page_url: str) -> str:
    return (
        f"PolicyHub, release {release.number} ({release.cut_at:%Y-%m-%d}), "
        f"SHA-256 {release.archive_sha256}. {page_url}"
    )


def release_summary(release: Release, request) -> ReleaseSummary:
    page = request.build_absolute_uri(f"/releases/{release.number}/")
    return {
        "number": release.number,
        "cut_at": release.cut_at.isoformat(timespec="seconds"),
        "archive_sha256": release.archive_sha256,
        "citation": citation_of(release, page),
        "url": page,
        "files": [
            {
                "name": name,
                "sha256": entry["sha256"],
                "bytes": entry["bytes"],
                "url": request.build_absolute_uri(f"/releases/{release.number}/files/{name}"),
            }
            for name, entry in release.manifest.items()
        ],
        "rows": release.counts,
    }

from django.core.management.base import BaseCommand, CommandError

from releases.services import ReleaseRefused, release_cut


class Command(BaseCommand):
    help = "Cut the next numbered release: an immutable snapshot of everything published."

    def handle(self, *args, **options):
        try:
            release = release_cut()
        except ReleaseRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            f"Release {release.number} cut at {release.cut_at:%Y-%m-%d %H:%M:%S} UTC; "
            f"archive SHA-256 {release.archive_sha256}"
        )

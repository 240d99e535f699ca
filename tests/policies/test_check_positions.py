"""`check_positions` after a restore: it must not pass on a database that lost its data."""

import pytest
from django.core.management import CommandError, call_command

from policies.models import Position

pytestmark = pytest.mark.django_db


def test_it_refuses_an_empty_database():
    with pytest.raises(CommandError, match="No published provision"):
        call_command("check_positions")


def test_a_fresh_installation_may_say_it_is_empty():
    call_command("check_positions", allow_empty=True)


def test_it_fails_when_published_provisions_have_no_stored_positions(seeded):
    Position.objects.all().delete()
    with pytest.raises(CommandError, match="no stored positions"):
        call_command("check_positions")


def test_it_passes_on_the_seed_data(seeded, capsys):
    call_command("check_positions")
    assert "match a fresh computation" in capsys.readouterr().out

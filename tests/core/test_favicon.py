"""The site's icon: browsers ask for /favicon.ico on every site, whatever a page links."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

ICO_HEADER = b"\x00\x00\x01\x00"  # reserved, then type 1: an icon


def test_favicon_ico_leads_to_the_icon_among_the_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("core/favicon.ico")
    assert "max-age=86400" in response["Cache-Control"]


def test_the_icon_is_a_real_icon_of_two_sizes():
    with open(finders.find("core/favicon.ico"), "rb") as icon:
        data = icon.read()
    assert data[:4] == ICO_HEADER
    assert int.from_bytes(data[4:6], "little") == 2  # 16×16 and 32×32


@pytest.mark.django_db
def test_every_page_links_the_icon(client):
    page = client.get("/about/").content.decode()
    assert f'<link rel="icon" href="{static("core/favicon.ico")}"' in page

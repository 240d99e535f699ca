"""Logging in to the admin: wrong passwords lock the address out (django-axes), and an
optional second factor (django-otp) guards staff accounts."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.admin import OTPAdminSite
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def log_in(client, username, password, **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        headers=headers,
    )


def test_five_wrong_passwords_lock_the_address_out_even_for_the_right_one(client, bob, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    codes = [log_in(client, "bob", "wrong").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]  # the form with its error, then the lock
    locked = log_in(client, "bob", "pw-for-tests-only")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, bob):
    for n in range(5):
        log_in(client, "bob", "wrong", x_forwarded_for=f"192.0.2.{n}")
    assert log_in(client, "bob", "pw-for-tests-only", x_forwarded_for="192.0.2.99").status_code == (
        429
    )


def test_a_right_password_before_the_limit_logs_in_and_clears_the_count(client, bob):
    for _ in range(4):
        log_in(client, "bob", "wrong")
    response = log_in(client, "bob", "pw-for-tests-only")
    assert response.status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "bob", "wrong")
    assert log_in(client, "bob", "pw-for-tests-only").status_code == 302


@pytest.fixture
def otp_required(monkeypatch):
    """What ADMIN_OTP_REQUIRED=1 does at start-up (policyhub/urls.py)."""
    monkeypatch.setattr(admin.site, "__class__", OTPAdminSite)


def test_with_a_second_factor_required_a_password_alone_is_not_enough(client, bob, otp_required):
    device = TOTPDevice.objects.create(user=bob, name="phone")
    response = client.post(
        reverse("admin:login"),
        {"username": "bob", "password": "pw-for-tests-only", "otp_device": device.persistent_id},
    )
    assert response.status_code == 200  # the form again, asking for the code
    assert client.get(reverse("admin:index")).status_code == 302
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post(
        reverse("admin:login"),
        {
            "username": "bob",
            "password": "pw-for-tests-only",
            "otp_device": device.persistent_id,
            "otp_token": f"{code:06d}",
            "next": reverse("admin:index"),
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_without_the_setting_staff_log_in_with_a_password(client, bob):
    assert log_in(client, "bob", "pw-for-tests-only").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200

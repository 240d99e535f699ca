from django.db import models


class RateCount(models.Model):
    """How many API requests one client made in the current window of its rate limit
    (core/throttle.py). One row a client, overwritten when a new window starts."""

    key = models.CharField(max_length=200, primary_key=True)
    window_end = models.BigIntegerField(help_text="Unix time at which the window closes.")
    hits = models.PositiveIntegerField()

    class Meta:
        db_table = "core_ratecount"

    def __str__(self):
        return f"{self.key}: {self.hits} until {self.window_end}"

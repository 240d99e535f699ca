"""The map page's own parameter: which state's counties to show alone."""

from django import forms
from django.core.exceptions import ValidationError

from core.params import allowed, shown
from jurisdictions.models import Level
from policies.forms import MapQuery
from public.map_svg import state_ref, states_with_counties


class MapPageQuery(MapQuery):
    """`MapQuery` and `state`: a USPS code (CA) whose counties are drawn alone, framed."""

    state = forms.CharField(required=False)

    def clean_state(self):
        code = self.cleaned_data.get("state") or ""
        if not code:
            return None
        state = state_ref(code)
        if state is None:
            codes = [usps for usps, _, _ in states_with_counties()]
            raise ValidationError(allowed(f"No state '{shown(code)}' on the map.", codes))
        return state

    def clean(self):
        data = super().clean()
        if data.get("state") and data.get("level") == Level.STATE.value:
            self.add_error("state", "A state's counties are drawn only with level=county.")
            data["state"] = None
        return data

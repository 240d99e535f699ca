"""Fill an admin form the way a browser would: GET the page, then POST back what it shows,
with whatever a test changes."""


def _value(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple):
        return [_value(item) for item in value]
    if hasattr(value, "__iter__") and not isinstance(value, str | bytes | dict):
        return [_value(item) for item in value]
    return value


def form_data(page, **changes) -> dict:
    """The data the admin page in `page` (a test-client response) would submit, with
    `changes` applied to the main form's fields (None leaves a field out)."""
    context = page.context
    data = {}
    form = context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if value is None:
            continue
        data[name] = _value(value)
    for formset in context.get("inline_admin_formsets") or []:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for index, inline_form in enumerate(formset.formset.forms):
            data[f"{formset.formset.prefix}-{index}-id"] = inline_form.instance.pk
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is not None:
                    data[f"{formset.formset.prefix}-{index}-{name}"] = _value(value)
    data = {key: value for key, value in data.items() if value not in ("", [])}
    for name, value in changes.items():
        if value is None:  # an unticked checkbox is not sent at all
            data.pop(name, None)
        else:
            data[name] = value
    return data

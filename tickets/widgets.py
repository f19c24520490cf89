"""Form widgets of the agent workspace."""

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe

from helpdesk.html import esc, html_format


class FastSelect(forms.Select):
    """forms.Select's exact HTML, written in Python rather than with a template per option.

    The queue and the ticket page draw some two hundred options; rendered one template each,
    they cost more server time than all the pages' queries together.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        if any(isinstance(label, list | tuple) for _, label in self.choices):
            return super().render(name, value, attrs, renderer)  # option groups: the template knows them
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        chosen = set(self.format_value(value))
        options, has_selected = [], False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = (not has_selected or self.allow_multiple_selected) and option_value in chosen
            has_selected |= selected
            options.append(
                f'<option value="{esc(option_value)}"{" selected" if selected else ""}>{esc(label)}</option>'
            )
        options_html = mark_safe("".join(options))  # nosec B308, B703: each value and label is escaped above
        return html_format('<select name="{}"{}>{}</select>', name, flatatt(attrs), options_html)


class OneOfManySelect(FastSelect):
    """A single dropdown for a multiple-choice filter: the UI picks one value, a URL may carry several."""

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter else [data.get(name)]
        return [value for value in values if value]

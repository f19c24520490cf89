"""Django's form renderer, with its commonest little templates written in Python.

Every text box, hidden field, text area, label and drop-down on a page is a template render (and
one more per attribute list and per option), and those renders cost about a tenth of the ticket
page's server time and a quarter of the dashboard's. The functions here give the exact HTML of
Django's own templates (tests/helpdesk/test_forms_renderer.py compares them on many widgets);
anything else, or a template an app overrides, still goes through the templates.
"""

from collections.abc import Callable, Mapping
from html import escape as html_escape

from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.utils.functional import Promise
from django.utils.safestring import SafeData

from .html import esc as conditional_escape

INPUT_TEMPLATES = tuple(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "text", "email", "hidden", "number", "password", "url", "search", "tel",
        "date", "datetime", "time", "color", "checkbox", "file",
    )
)  # fmt: skip
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
SELECT_TEMPLATES = ("django/forms/widgets/select.html",)
OPTION_INPUT_TEMPLATES = tuple(
    f"django/forms/widgets/{name}.html" for name in ("input_option", "radio_option", "checkbox_option")
)
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
LABEL_TEMPLATE = "django/forms/label.html"


def _text(value) -> str:
    """{{ value|stringformat:'s' }} under autoescape: safe strings stay as they are."""
    return conditional_escape(value) if isinstance(value, SafeData) else html_escape(str(value))


def render_attrs(attrs: Mapping | None) -> str:
    """attrs.html: ` name="value"` each, a bare name for True, nothing for False."""
    parts = []
    for name, value in (attrs or {}).items():
        if value is False:
            continue
        name = conditional_escape(name)
        parts.append(f" {name}" if value is True else f' {name}="{_text(value)}"')
    return "".join(parts)


def _input(context: Mapping) -> str:
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{render_attrs(widget['attrs'])}>"
    )


def _textarea(context: Mapping) -> str:
    widget = context["widget"]
    value = widget["value"]
    body = conditional_escape(value) if value else ""
    name = conditional_escape(widget["name"])
    return f'<textarea name="{name}"{render_attrs(widget["attrs"])}>\n{body}</textarea>'


def _input_option(context: Mapping) -> str | None:
    """One radio button or check box of a group, as `{% for radio in form.field %}{{ radio.tag }}`
    draws it (input_option.html): the input, wrapped in its label when asked."""
    widget = context["widget"]
    if not widget.get("wrap_label"):
        return _input(context)
    label = widget["label"]
    if not isinstance(label, str | Promise):
        return None
    id_ = widget["attrs"].get("id")
    opening = f'<label for="{conditional_escape(id_)}">' if id_ else "<label>"
    # The included input.html keeps its final line break (only the whole render is stripped).
    return f"{opening}{_input(context)}\n {conditional_escape(label)}</label>"


def _select(context: Mapping) -> str | None:
    """select.html with select_option.html per option; None (use the templates) for anything else."""
    widget = context["widget"]
    parts = [f'<select name="{conditional_escape(widget["name"])}"{render_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name and not isinstance(group_name, str | Promise):
            return None
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            label = option["label"]
            if option["template_name"] != OPTION_TEMPLATE or not isinstance(label, str | Promise):
                return None
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{render_attrs(option["attrs"])}>'
                f"{conditional_escape(label)}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context: Mapping) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label.strip()
    tag = conditional_escape(context["tag"])
    return f"<{tag}{render_attrs(context['attrs'])}>{label}</{tag}>"


class FastTemplatesRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Python for the templates above, Django's templates for the rest."""

    def __init__(self):
        super().__init__()
        fast: dict[str, Callable[[Mapping], str | None]] = {TEXTAREA_TEMPLATE: _textarea}
        fast[LABEL_TEMPLATE] = _label
        fast.update(dict.fromkeys(INPUT_TEMPLATES, _input))
        fast.update(dict.fromkeys(SELECT_TEMPLATES, _select))
        fast.update(dict.fromkeys(OPTION_INPUT_TEMPLATES, _input_option))
        # An app that ships its own version of one of these templates keeps it.
        self.fast = {name: render for name, render in fast.items() if self._is_djangos(name)}
        if SELECT_TEMPLATES[0] in self.fast and not self._is_djangos(OPTION_TEMPLATE):
            del self.fast[SELECT_TEMPLATES[0]]

    def _is_djangos(self, template_name: str) -> bool:
        try:
            origin = self.get_template(template_name).origin.name
        except TemplateDoesNotExist:
            return False
        return origin.replace("\\", "/").endswith(f"django/forms/templates/{template_name}")

    def render(self, template_name, context, request=None):
        render = self.fast.get(template_name)
        html = None if render is None else render(context)
        return super().render(template_name, context, request) if html is None else html

"""The fast form renderer gives exactly the HTML of Django's own widget templates."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.forms_renderer import (
    INPUT_TEMPLATES,
    LABEL_TEMPLATE,
    OPTION_INPUT_TEMPLATES,
    SELECT_TEMPLATES,
    TEXTAREA_TEMPLATE,
    FastTemplatesRenderer,
)

FAST, TEMPLATES = FastTemplatesRenderer(), DjangoTemplates()

TRICKY = ["", " ", "plain", "<b>\"quoted\" & 'single'</b>", "שלום עולם", "中文 / Tagalog", "a\nb", "{{ x }}"]

WIDGETS = [
    forms.TextInput,
    forms.EmailInput,
    forms.HiddenInput,
    forms.NumberInput,
    forms.URLInput,
    forms.SearchInput,
    forms.TelInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.ColorInput,
    forms.CheckboxInput,
    forms.FileInput,
    forms.Textarea,
]


def both(widget, name, value, attrs=None) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs=attrs, renderer=FAST),
        widget.render(name, value, attrs=attrs, renderer=TEMPLATES),
    )


def test_the_fast_templates_are_djangos_own():
    assert set(FAST.fast) == {
        *INPUT_TEMPLATES,
        *SELECT_TEMPLATES,
        *OPTION_INPUT_TEMPLATES,
        TEXTAREA_TEMPLATE,
        LABEL_TEMPLATE,
    }


@pytest.mark.parametrize("widget_class", WIDGETS)
@pytest.mark.parametrize("value", [None, 0, 12.5, True, False, *TRICKY, mark_safe("<i>safe</i>")])
def test_widgets_render_the_same(widget_class, value):
    widget = widget_class(attrs={"class": "form-control", "required": True, "disabled": False, "data-x": 3})
    fast, slow = both(widget, "field", value, attrs={"id": "id_field", "aria-describedby": "h <1>"})
    assert fast == slow


@pytest.mark.parametrize("password", [True, False])
def test_password_inputs_render_the_same(password):
    widget = forms.PasswordInput(render_value=password)
    fast, slow = both(widget, "secret", 'p<a>"ss')
    assert fast == slow


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(min_size=1, max_size=12),
    value=st.one_of(st.none(), st.text(max_size=30), st.integers()),
    attrs=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.booleans(), st.none(), st.text(max_size=12), st.integers()),
        max_size=4,
    ),
)
def test_any_text_input_or_textarea_renders_the_same(name, value, attrs):
    for widget in (forms.TextInput(attrs=attrs), forms.Textarea(attrs=attrs)):
        fast, slow = both(widget, name, value)
        assert fast == slow


class LabelForm(forms.Form):
    plain = forms.CharField(label="Subject <b>&</b>")
    rtl = forms.CharField(label="נושא")
    safe = forms.CharField(label=mark_safe("<em>Safe</em>"))
    required = forms.CharField(label="Tags", required=False)


@pytest.mark.parametrize("field", ["plain", "rtl", "safe", "required"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"attrs": {"class": "form-label small", "hidden": True}}, {"tag": "legend"}]
)
def test_labels_render_the_same(field, kwargs):
    fast_form, slow_form = LabelForm(renderer=FAST), LabelForm(renderer=TEMPLATES)
    assert fast_form[field].label_tag(**kwargs) == slow_form[field].label_tag(**kwargs)
    assert fast_form[field].legend_tag() == slow_form[field].legend_tag()
    assert fast_form[field].label_tag(contents="  spaced  ") == slow_form[field].label_tag(
        contents="  spaced  "
    )


def test_labels_without_a_tag_render_the_same():
    fast_form, slow_form = LabelForm(renderer=FAST), LabelForm(renderer=TEMPLATES)
    fast_form.fields["plain"].widget = forms.RadioSelect(choices=[("a", "A")])
    slow_form.fields["plain"].widget = forms.RadioSelect(choices=[("a", "A")])
    # A widget without an id (RadioSelect's id_for_label is None) gets its label without the tag.
    fast_form.fields["plain"].widget.attrs["id"] = ""
    slow_form.fields["plain"].widget.attrs["id"] = ""
    assert fast_form["plain"].label_tag() == slow_form["plain"].label_tag()


def test_whole_forms_render_the_same():
    assert LabelForm(renderer=FAST).as_div() == LabelForm(renderer=TEMPLATES).as_div()
    bound = {"plain": "<x>", "rtl": "", "safe": "ok"}
    assert str(LabelForm(bound, renderer=FAST)) == str(LabelForm(bound, renderer=TEMPLATES))


def test_other_templates_still_go_through_djangos():
    widget = forms.RadioSelect(choices=[("a", "<A>"), ("b", "B")])
    fast, slow = both(widget, "kind", "a", attrs={"id": "id_kind"})
    assert fast == slow and 'type="radio"' in fast


GROUPED = [
    ("", "All"),
    ("Fruit", [("apple", "Apple <red>"), ("pear", "Pear")]),
    ("Ticket", [("new", "New"), ("open", "Open")]),
    (3, "Three & four"),
]


@pytest.mark.parametrize(
    "widget",
    [
        forms.Select(choices=[("", "All"), ("a", "A & B"), ("rtl", "שלום"), (7, "Seven")]),
        forms.Select(choices=GROUPED, attrs={"class": "form-select", "id": "id_x", "disabled": False}),
        forms.SelectMultiple(choices=GROUPED),
        forms.NullBooleanSelect(),
        forms.Select(choices=[]),
    ],
)
@pytest.mark.parametrize("value", [None, "", "a", "pear", ["apple", "new"], 7, "3", "unknown"])
def test_selects_render_the_same(widget, value):
    if isinstance(widget, forms.NullBooleanSelect) and isinstance(value, list):
        return  # not a value that widget takes (its format_value fails either way)
    fast, slow = both(widget, "pick", value)
    assert fast == slow


def test_model_choice_selects_and_lazy_labels_render_the_same(db):
    from kpis.forms import DashboardForm
    from tickets.models import Team, Ticket

    Team.objects.create(name="Billing <EU>")
    field = forms.ModelChoiceField(queryset=Team.objects.all())
    assert both(field.widget, "team", None) == both(field.widget, "team", None)
    fast, slow = both(forms.Select(choices=Ticket.Status.choices), "status", "open")
    assert fast == slow
    form_fast = DashboardForm({"range": "7"}, teams=[(1, "Billing")], agents=[(2, "Ana")], renderer=FAST)
    form_slow = DashboardForm({"range": "7"}, teams=[(1, "Billing")], agents=[(2, "Ana")], renderer=TEMPLATES)
    assert str(form_fast) == str(form_slow)


def test_a_custom_option_template_still_goes_through_the_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Custom(choices=[("a", "A")])
    fast, slow = both(widget, "pick", "a")
    assert fast == slow and 'type="select"' in fast


class ChoicesForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("public", "Reply <to customer>"), ("note", "Internal note")], widget=forms.RadioSelect
    )
    rtl = forms.ChoiceField(
        choices=[("a", "שלום"), ("b", "中文")], widget=forms.RadioSelect(attrs={"class": "x"})
    )
    many = forms.MultipleChoiceField(choices=GROUPED, widget=forms.CheckboxSelectMultiple, required=False)
    bare = forms.ChoiceField(choices=[(1, 1), (2, 2)], widget=forms.RadioSelect(attrs={"id": ""}))


@pytest.mark.parametrize("data", [None, {"kind": "note", "rtl": "b", "many": ["apple", "new"], "bare": "2"}])
def test_radio_buttons_and_check_boxes_render_the_same(data):
    fast_form, slow_form = ChoicesForm(data, renderer=FAST), ChoicesForm(data, renderer=TEMPLATES)
    for name in ChoicesForm.base_fields:
        fast, slow = list(fast_form[name]), list(slow_form[name])
        assert [w.tag() for w in fast] == [w.tag() for w in slow]
        assert [str(w) for w in fast] == [str(w) for w in slow]  # wrapped in their labels
        assert str(fast_form[name]) == str(slow_form[name])

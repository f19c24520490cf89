from django import forms

SCORES = [
    (5, "5 - Very happy"),
    (4, "4 - Happy"),
    (3, "3 - Neutral"),
    (2, "2 - Unhappy"),
    (1, "1 - Very unhappy"),
]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How happy are you with our help?", choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Anything you would like to tell us? (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )

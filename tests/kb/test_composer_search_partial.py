from django.template.loader import render_to_string


def test_composer_partial_points_at_the_search_and_the_textarea():
    html = render_to_string("kb/_composer_search.html", {"textarea_id": "id_body"})
    assert 'data-kb-insert-target="id_body"' in html
    assert 'hx-get="/kb/search/"' in html
    assert 'hx-target="#kb-composer-results-id_body"' in html
    assert '<label for="kb-composer-q-id_body"' in html

"""Submitted material files: only the applicant and staff of the case's centre (supervisors too) may download
them, always as an attachment with nosniff; MEDIA_ROOT is never served by a URL pattern."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import Resolver404, get_resolver, resolve, reverse

from approvals.models import MaterialFile
from approvals.services import intake
from hall.models import Role

from ..hall.factories import CitizenFactory, StaffFactory
from .case_fixtures import *  # noqa: F403
from .case_fixtures import PDF, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(online) -> MaterialFile:
    return online.files.get()


def _get(client, user, material_file):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("case_file", args=[material_file.pk]))


def test_the_applicant_downloads_their_file_as_an_attachment(client, citizen, stored):
    response = _get(client, citizen, stored)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["clerk", "approver_b", "manager_1", "supervisor"])
def test_staff_of_the_cases_centre_download_it(client, request, stored, persona):
    response = _get(client, request.getfixturevalue(persona), stored)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_original_file_name_is_kept_for_the_download(client, citizen, stored):
    response = _get(client, citizen, stored)

    assert "a.pdf" in response["Content-Disposition"]


def test_a_stranger_gets_a_404(client, stored):
    assert _get(client, CitizenFactory(), stored).status_code == 404


def test_another_centres_clerk_gets_a_404(client, stored, centre_2):
    assert _get(client, StaffFactory(centre=centre_2, role=Role.CLERK), stored).status_code == 404


def test_a_callback_operator_gets_a_404(client, stored, callback_operator):
    assert _get(client, callback_operator, stored).status_code == 404


def test_an_anonymous_visitor_gets_a_404(client, stored):
    assert _get(client, None, stored).status_code == 404


def test_staff_cannot_read_the_files_of_a_citizens_unsubmitted_draft(client, clerk, draft, form, citizen):
    draft_file = intake.application_attach_file(application_id=draft.pk, actor=citizen, material_id=form.pk,
                                                uploaded_file=upload())

    assert _get(client, clerk, draft_file).status_code == 404


def test_a_missing_file_on_disk_is_a_404_not_an_error(client, citizen, stored):
    Path(stored.file.path).unlink()

    assert _get(client, citizen, stored).status_code == 404


def test_files_are_stored_under_a_random_name_outside_the_web_root(stored, media):
    path = Path(stored.file.path)

    assert path.is_relative_to(media)
    assert path.name != "a.pdf" and len(path.stem) == 32
    static_roots = [Path(settings.STATIC_ROOT)] + [Path(d if isinstance(d, str | Path) else d[1])
                                                   for d in settings.STATICFILES_DIRS]
    assert not any(path.is_relative_to(root) for root in static_roots)


def test_no_url_pattern_serves_media_url(client, citizen, stored):
    client.force_login(citizen)
    direct = f"{settings.MEDIA_URL}{stored.file.name}"

    with pytest.raises(Resolver404):
        resolve(direct)
    assert client.get(direct).status_code == 404


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        text = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _patterns(pattern, text)
        else:
            yield text, pattern.callback


def test_no_url_pattern_mentions_media_or_serves_static_files():
    from django.views.static import serve

    for text, callback in _patterns(get_resolver()):
        assert "media" not in text.lower(), text
        assert callback is not serve, text

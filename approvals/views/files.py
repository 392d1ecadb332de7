"""Submitted material files, served only through this permission-checked view: to the applicant and to staff of
the case's centre (supervisors read-only too). MEDIA_ROOT is outside the web root and no URL pattern serves
MEDIA_URL, so a file's storage path is never reachable directly.

Always a download (Content-Disposition: attachment) with nosniff and no caching: a PDF or picture from an
applicant is never rendered inline in the hall's origin. Anyone else gets the same 404 as for a missing file."""

from django.http import FileResponse, Http404
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import case_selectors as selectors
from ..services.intake import ALLOWED_FILE_TYPES


@never_cache
@require_GET
def case_file(request, file_id: int):
    material_file = selectors.material_file_for_actor(actor=request.user, file_id=file_id)
    if material_file is None:
        raise Http404(_("文件不存在。"))
    try:
        handle = material_file.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("文件不存在。")) from exc
    content_type = material_file.content_type if material_file.content_type in ALLOWED_FILE_TYPES else None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material_file.original_name or "file",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


urlpatterns = [
    path("cases/files/<int:file_id>/", case_file, name="case_file"),
]

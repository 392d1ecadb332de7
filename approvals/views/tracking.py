"""Public tracking pages (一码通): a form for the tracking code, the case (or chain) page, and the QR code to
print on receipts. No account; no personal data in any URL except the random code; lookups rate limited
per client address; every unknown code gets the same 404 page."""
import qrcode
import qrcode.image.svg
from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import selectors
from ..throttles import tracking_lookup_allowed

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


class TrackingForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=40, strip=True,
                           help_text=_("受理回执上的16位查询码，不区分大小写。"))

    def clean_code(self):
        code = selectors.normalize_tracking_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("查询码为16位字母和数字，请核对回执上的查询码。"))
        return code


def _private(response):
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


@never_cache
@require_GET
def track(request):
    form = TrackingForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return redirect("track_case", code=form.cleaned_data["code"])
    return _private(render(request, "approvals/tracking/form.html", {"form": form}))


@never_cache
@require_GET
def track_case(request, code: str):
    if not tracking_lookup_allowed(request):
        return _private(render(request, "approvals/tracking/throttled.html", status=429))
    found = selectors.tracking_lookup(code=code)
    if found is None:
        return _private(render(request, "approvals/tracking/not_found.html", {"form": TrackingForm()}, status=404))
    template = "chain.html" if isinstance(found, selectors.TrackedChain) else "case.html"
    context = {"tracked": found, "qr_url": reverse("track_qr", args=[found.tracking_code])}
    return _private(render(request, f"approvals/tracking/{template}", context))


def qr_svg(text: str) -> str:
    """A QR code as SVG, drawn here by the `qrcode` package (no image service)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    return code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")


@require_GET
def track_qr(request, code: str):
    """The QR code of a tracking page, for receipts. It encodes the page's address only and reads no record,
    so it says nothing about whether the code exists and needs no rate limit."""
    code = selectors.normalize_tracking_code(code)
    if code is None:
        raise Http404
    svg = qr_svg(request.build_absolute_uri(reverse("track_case", args=[code])))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    return _private(response)


urlpatterns = [
    path("track/", track, name="track"),
    path("track/<str:code>/", track_case, name="track_case"),
    path("track/<str:code>/qr.svg", track_qr, name="track_qr"),
]

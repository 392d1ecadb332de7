"""QR codes as inline SVG, drawn on the server by the `qrcode` package: no image service, no CDN."""
import re

import qrcode
import qrcode.image.svg
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

_SIZE_ATTRS = re.compile(r'\s(?:width|height)="[^"]*"')
MAX_QR_TEXT = 500


def qr_svg_markup(text: str, *, label: str = "", css_class: str = "qr") -> str:
    """An <svg> drawing of `text` as a QR code (medium error correction), sized by CSS."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(str(text)[:MAX_QR_TEXT])
    code.make(fit=True)
    svg = code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    # The markup is only path coordinates drawn by qrcode; our own attributes are escaped.
    svg = _SIZE_ATTRS.sub("", svg, count=2)
    attrs = f' class="{escape(css_class)}" role="img" aria-label="{escape(label)}" shape-rendering="crispEdges"'
    return svg.replace("<svg", "<svg" + attrs, 1)


@register.simple_tag
def qr_svg(text: str, label: str = "", css_class: str = "qr"):
    return mark_safe(qr_svg_markup(text, label=label, css_class=css_class))  # noqa: S308

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from common import views as common_views

admin.site.site_header = "政务服务中心 管理后台"
admin.site.site_title = "政务服务中心"
admin.site.index_title = "中心管理"

urlpatterns = [
    path("healthz", common_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("elderly-mode/", common_views.toggle_elderly_mode, name="elderly_mode"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("hall.api.urls")),
    path("", include("approvals.urls")),
    path("", include("hall.urls")),
]

"""Approvals pages and APIs (included at the root, before hall's). Each module exports its urlpatterns."""
from .api import cases as cases_api
from .api import chains as chains_api
from .api import inbox as inbox_api
from .api import tracking as tracking_api
from .views import chains, citizen, files, inbox, staff, tracking

urlpatterns = [
    *tracking.urlpatterns,
    *tracking_api.urlpatterns,
    *citizen.urlpatterns,
    *inbox.urlpatterns,
    *staff.urlpatterns,
    *files.urlpatterns,
    *chains.urlpatterns,
    *inbox_api.urlpatterns,
    *cases_api.urlpatterns,
    *chains_api.urlpatterns,
]

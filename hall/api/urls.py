from . import accounts, calendar, catalogue, citizen_queue, devices, workstation

urlpatterns = [
    *catalogue.urlpatterns,
    *accounts.urlpatterns,
    *calendar.urlpatterns,
    *citizen_queue.urlpatterns,
    *devices.urlpatterns,
    *workstation.urlpatterns,
]

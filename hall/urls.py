from .views import accounts, calendar, catalogue, citizen_queue, devices, live_hall, workstation

urlpatterns = [
    *catalogue.urlpatterns,
    *accounts.urlpatterns,
    *calendar.urlpatterns,
    *citizen_queue.urlpatterns,
    *devices.urlpatterns,
    *workstation.urlpatterns,
    *live_hall.urlpatterns,
]

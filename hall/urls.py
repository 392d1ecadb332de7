from .views import accounts, calendar, catalogue

urlpatterns = [*catalogue.urlpatterns, *accounts.urlpatterns, *calendar.urlpatterns]

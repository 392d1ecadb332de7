"""Hall API: accounts."""
urlpatterns = []

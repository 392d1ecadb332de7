"""Hall pages: calendar."""
urlpatterns = []

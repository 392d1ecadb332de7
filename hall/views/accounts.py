"""Hall pages: accounts."""
urlpatterns = []

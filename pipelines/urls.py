"""Pages of the pipelines app, the FT2 campaigns' and HalfPipe's (the API is registered in
api/urls.py)."""

from .ft2.urls import urlpatterns as ft2_pages
from .halfpipe.urls import urlpatterns as halfpipe_pages

app_name = "pipelines"
urlpatterns = [*ft2_pages, *halfpipe_pages]

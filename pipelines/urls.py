"""Pages of the pipelines app (the API is registered in api.py)."""

app_name = "pipelines"
urlpatterns: list = []

import os

from django.core.wsgi import get_wsgi_application

from l2portal.startup import require_production_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")
require_production_settings()
application = get_wsgi_application()

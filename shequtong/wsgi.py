import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
application = get_wsgi_application()

# Load the Chinese word dictionary when the server starts, not on the first search (about a second).
from shequtong.common import chinese  # noqa: E402

chinese.warm()

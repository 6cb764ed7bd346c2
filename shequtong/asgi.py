import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
application = get_asgi_application()

# Load the Chinese word dictionary when the server starts, not on the first search (about a second).
from shequtong.common import chinese  # noqa: E402

chinese.warm()

from django.apps import AppConfig


class GridLocalConfig(AppConfig):
    """The local grid backend's table; the adapter itself is this package's __init__."""

    name = "shequtong.integrations.grid_local"
    label = "grid_local"
    verbose_name = "网格化（本地）"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo district and the full-scale generators: the top layer, nothing imports it.

    It exists only to make data (`seed_demo`, `seed_demo_boards`, `seed_demo_chats`,
    `seed_demo_cases`, `demo_logins`); it writes through the other apps' services
    and models, so the domain apps never import it (the import-linter contract in
    pyproject.toml holds that).
    """

    name = "shequtong.demo"
    label = "demo"
    verbose_name = "演示数据"

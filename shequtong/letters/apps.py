from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "shequtong.letters"
    label = "letters"
    verbose_name = "人民信箱"

    def ready(self) -> None:
        from shequtong.common import hooks, registry

        from . import selectors

        hooks.register_text_source("letter", selectors.letter_texts)

        Tile = registry.Tile
        registry.register(Tile(section="resident_home", label="人民信箱", url_name="letters:home", capability="member",
                               icon="letter", order=15))
        registry.register(Tile(section="committee_home", label="人民信箱", url_name="letters:home", capability="committee",
                               icon="letter", order=15))
        for section in ("observer_home", "observe", "data"):
            registry.register(Tile(section=section, label="人民信箱", url_name="letters:observe", capability="observe",
                                   icon="letter", order=20))
        registry.register(Tile(section="admin", label="问题小类", url_name="letters:subcategories", capability="sysadmin",
                               icon="letter", order=80))

from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "shequtong.letters"
    label = "letters"
    verbose_name = "人民信箱"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shequtong.common import hooks, registry, versioned

        from . import selectors
        from .models import SubCategory

        hooks.register_text_source("letter", selectors.letter_texts)

        # The form's and the service's list of active sub-categories is kept until one changes.
        def subcategory_changed(sender: type, **kwargs: object) -> None:
            versioned.touch(selectors.SUBCATEGORIES_DEP)

        post_save.connect(subcategory_changed, sender=SubCategory, weak=False, dispatch_uid="letters.subcategories.save")
        post_delete.connect(subcategory_changed, sender=SubCategory, weak=False, dispatch_uid="letters.subcategories.delete")

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

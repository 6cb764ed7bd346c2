from typing import Any

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "shequtong.places"
    label = "places"
    verbose_name = "辖区"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Community
        from .selectors import forget_subdistrict

        def _community_changed(sender: Any, instance: Community, **kwargs: Any) -> None:
            forget_subdistrict(instance.pk)

        # weak=False: the receiver is defined here and would die with this call otherwise.
        post_save.connect(_community_changed, sender=Community, weak=False, dispatch_uid="places.community_subdistrict")
        post_delete.connect(_community_changed, sender=Community, weak=False, dispatch_uid="places.community_subdistrict_del")

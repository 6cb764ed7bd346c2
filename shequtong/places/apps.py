from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "shequtong.places"
    label = "places"
    verbose_name = "辖区"

"""Load the lexicon's versioned fixture (data/lexicon.json) into the editable tables."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from shequtong.policy.store import load_lexicon_fixture

    load_lexicon_fixture(apps.get_model("policy", "Domain"), apps.get_model("policy", "Term"))


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

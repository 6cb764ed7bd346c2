"""The clear person-name column goes; the encrypted one takes its name; a visit still names someone."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0003_person_name_encrypted"),
    ]

    operations = [
        migrations.RemoveField(model_name="visit", name="person_name"),
        migrations.RenameField(model_name="visit", old_name="person_name_enc", new_name="person_name"),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(("person__isnull", False), models.Q(("person_masked_name", ""), _negated=True),
                                   _connector="OR"),
                name="visit_has_person",
            ),
        ),
    ]

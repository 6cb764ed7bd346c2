"""LocalGridRequest now belongs to the local grid adapter (app `grid_local`): drop it from this app's state only.

The table is not touched here; grid_local 0001 took the model over in the
same table and grid_local 0002 renames it.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0003_delivery_log"),
        ("grid_local", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LocalGridRequest")],
            database_operations=[],
        ),
    ]

# Reserved in the migration chain for one piece of issue 14; filled in by its work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("rvr", "0008_interpreter")]
    operations: list = []

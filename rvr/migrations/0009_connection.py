# A poor connection degrades, not drops (issue 14): the mode a call is carried in.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rvr", "0008_interpreter")]
    operations = [
        migrations.AddField(
            model_name="videosession",
            name="mode",
            field=models.CharField(choices=[("video", "Video"), ("audio", "Audio only"),
                                            ("chat", "Text chat only")],
                                   default="video", max_length=8),
        ),
    ]

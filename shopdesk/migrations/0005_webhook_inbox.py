from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_dismissals')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RawInput',
            name='event_id',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.AddField(
            model_name='RawInput',
            name='headers',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='RawInput',
            name='processed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='RawInput',
            name='topic',
            field=fields.CharField(default='', max_length=100),
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_returns_and_api_keys')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Dismissal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=160)),
                ('kind', fields.CharField(max_length=32)),
                ('order_id', fields.IntField(null=True, db_index=True)),
                ('note', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'dismissal', 'app': 'models', 'pk_attr': 'id', 'table_description': "The owner set an exceptions-queue item aside, with a note. ``key`` names the item's"},
            bases=['Model'],
        ),
    ]

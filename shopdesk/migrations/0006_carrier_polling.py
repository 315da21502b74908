from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_webhook_inbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CarrierHealth',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('last_success_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('failures', fields.IntField(default=0)),
                ('paused_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_poll_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('leased_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('recent', fields.TextField(default='[]', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'carrier_health', 'app': 'models', 'pk_attr': 'name', 'table_description': "One carrier API adapter's health and request budget, shared by every polling process."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ShipmentPoll',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('shipment', fields.ForeignKeyField('models.Shipment', source_field='shipment_id', unique=True, db_constraint=True, to_field='id', related_name='polls', on_delete=OnDelete.CASCADE)),
                ('next_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('last_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(default='', max_length=16)),
                ('misses', fields.IntField(default=0)),
            ],
            options={'table': 'shipment_poll', 'app': 'models', 'pk_attr': 'id', 'table_description': "When a shipment is next asked about at its carrier's API, and what the last answer was."},
            bases=['Model'],
        ),
    ]

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_notifications')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('prefix', fields.CharField(unique=True, max_length=8)),
                ('hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_key', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A key for the JSON API: only its SHA-256 is stored, the plaintext is shown once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Return',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_index=True, db_constraint=True, to_field='id', related_name='returns', on_delete=OnDelete.CASCADE)),
                ('rma', fields.CharField(unique=True, max_length=80)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('status', fields.CharField(default='requested', max_length=16)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('resolution', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rejection_reason', fields.CharField(default='', max_length=500)),
                ('carrier', fields.CharField(null=True, max_length=64)),
                ('tracking_number', fields.CharField(null=True, db_index=True, max_length=64)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('milestone', fields.CharField(null=True, max_length=24)),
                ('last_event_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refund_minor', fields.BigIntField(null=True)),
                ('refund_method', fields.CharField(default='', max_length=16)),
                ('refund_issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolution_note', fields.CharField(default='', max_length=500)),
                ('expired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'order_return', 'app': 'models', 'indexes': [Index(fields=['status', 'id'])], 'pk_attr': 'id', 'table_description': 'A customer\'s return of some items of one order ("where is my return?").'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReturnItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('return_request', fields.ForeignKeyField('models.Return', source_field='return_request_id', db_index=True, db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('order_item', fields.ForeignKeyField('models.OrderItem', source_field='order_item_id', db_index=True, db_constraint=True, to_field='id', related_name='return_items', on_delete=OnDelete.CASCADE)),
                ('quantity', fields.IntField()),
            ],
            options={'table': 'order_return_item', 'app': 'models', 'unique_together': (('return_request_id', 'order_item_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]

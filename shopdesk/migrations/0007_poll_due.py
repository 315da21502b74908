from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_carrier_polling')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='source_updated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Shipment',
            name='external_id',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Shipment',
            name='next_poll_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Shipment',
            name='source_updated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # AddField does not create a db_index (neither on SQLite nor on PostgreSQL): the
        # poller's "what is due" query needs it.
        ops.RunSQL(
            'CREATE INDEX "idx_shipment_next_poll_at" ON "shipment" ("next_poll_at")',
            reverse_sql='DROP INDEX "idx_shipment_next_poll_at"',
        ),
        ops.AlterModelOptions(
            name='ShipmentPoll',
            options={'table': 'shipment_poll', 'app': 'models', 'pk_attr': 'id', 'table_description': "What a shipment's carrier API said last time (when next: ``Shipment.next_poll_at``)."},
        ),
        # When a parcel is next polled moves from shipment_poll to the indexed shipment row:
        # copy the plans, and make parcels still on their way that were never polled due now.
        ops.RunSQL([
            "UPDATE shipment SET next_poll_at = (SELECT p.next_at FROM shipment_poll p"
            " WHERE p.shipment_id = shipment.id)"
            " WHERE id IN (SELECT shipment_id FROM shipment_poll)",
            "UPDATE shipment SET next_poll_at = created_at WHERE next_poll_at IS NULL"
            " AND milestone NOT IN ('delivered', 'returned_to_sender', 'cancelled')"
            " AND order_id IN (SELECT id FROM orders WHERE cancelled_at IS NULL)",
        ]),
        ops.RemoveField(model_name='ShipmentPoll', name='next_at'),
    ]

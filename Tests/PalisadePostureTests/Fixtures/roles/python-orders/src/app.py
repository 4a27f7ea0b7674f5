"""Sample function for `palisade roles`: stores an order, its receipt and an event."""
import os

import boto3

TABLE = os.environ["TABLE_NAME"]
BUCKET = os.environ.get("RECEIPTS_BUCKET")
AUDIT_SECRET = "orders/audit-key"

dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(TABLE)
s3 = boto3.client("s3")
sqs = boto3.client("sqs")
secrets = boto3.client("secretsmanager")


def handler(event, context):
    order = table.get_item(Key={"id": event["id"]})
    table.put_item(Item=order["Item"])
    s3.put_object(Bucket=BUCKET, Key=f"receipts/{event['id']}.json", Body=b"{}")
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="created")
    secrets.get_secret_value(SecretId=AUDIT_SECRET)
    return {"ok": True}

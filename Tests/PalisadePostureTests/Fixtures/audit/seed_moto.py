"""Starts moto's server on 127.0.0.1 (a port the kernel picks), seeds an account for the tests of
`palisade audit`, prints the port, and serves until its standard input closes."""
import io
import json
import sys
import zipfile

import boto3
from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
endpoint = f"http://{host}:{port}"
session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
iam = session.client("iam", endpoint_url=endpoint)
lam = session.client("lambda", endpoint_url=endpoint)
sqs = session.client("sqs", endpoint_url=endpoint)
logs = session.client("logs", endpoint_url=endpoint)


def document(action, resource):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


trust = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
shared = iam.create_role(RoleName="shared-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
iam.put_role_policy(RoleName="shared-role", PolicyName="everything", PolicyDocument=document("*", "*"))
own = iam.create_role(RoleName="reports-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
readonly = iam.create_policy(PolicyName="reports-read", PolicyDocument=document("s3:GetObject", "arn:aws:s3:::reports/*"))
iam.attach_role_policy(RoleName="reports-role", PolicyArn=readonly["Policy"]["Arn"])

queue_url = sqs.create_queue(QueueName="uploads-queue")["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
dlq_url = sqs.create_queue(QueueName="reports-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

code = io.BytesIO()
with zipfile.ZipFile(code, "w") as archive:
    archive.writestr("app.py", "def handler(event, context):\n    return event\n")


def function(name, role, runtime="python3.12", **settings):
    lam.create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="app.handler",
                        Code={"ZipFile": code.getvalue()}, **settings)


function("orders", shared, runtime="python3.8", Environment={"Variables": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}})
function("uploads", shared)
function("reports", own, TracingConfig={"Mode": "Active"})

lam.add_permission(FunctionName="uploads", StatementId="s3-invoke", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
lam.add_permission(FunctionName="reports", StatementId="nightly", Action="lambda:InvokeFunction",
                   Principal="events.amazonaws.com", SourceArn="arn:aws:events:us-east-1:123456789012:rule/nightly")
lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="uploads")
lam.create_function_url_config(FunctionName="uploads", AuthType="NONE", Cors={"AllowOrigins": ["*"], "AllowMethods": ["*"]})
lam.put_function_event_invoke_config(FunctionName="reports", DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
lam.put_function_concurrency(FunctionName="reports", ReservedConcurrentExecutions=5)
logs.create_log_group(logGroupName="/aws/lambda/reports")
logs.put_retention_policy(logGroupName="/aws/lambda/reports", retentionInDays=30)

print(port, flush=True)
sys.stdin.read()
server.stop()

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
s3 = session.client("s3", endpoint_url=endpoint)
rest = session.client("apigateway", endpoint_url=endpoint)
http = session.client("apigatewayv2", endpoint_url=endpoint)


def document(action, resource):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


trust = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
shared = iam.create_role(RoleName="shared-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
iam.put_role_policy(RoleName="shared-role", PolicyName="everything", PolicyDocument=document("*", "*"))
own = iam.create_role(RoleName="reports-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
catalog_role = iam.create_role(RoleName="catalog-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
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
function("catalog", catalog_role)

lam.add_permission(FunctionName="uploads", StatementId="s3-invoke", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
lam.add_permission(FunctionName="reports", StatementId="nightly", Action="lambda:InvokeFunction",
                   Principal="events.amazonaws.com", SourceArn="arn:aws:events:us-east-1:123456789012:rule/nightly")
lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="uploads")
lam.create_function_url_config(FunctionName="uploads", AuthType="NONE", Cors={"AllowOrigins": ["*"], "AllowMethods": ["*"]})
lam.put_function_event_invoke_config(FunctionName="reports", DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
lam.put_function_concurrency(FunctionName="reports", ReservedConcurrentExecutions=5)
logs.create_log_group(logGroupName="/aws/lambda/reports")
logs.put_retention_policy(logGroupName="/aws/lambda/reports", retentionInDays=30)

# S3: one bucket readable by anyone, one writable by anyone, one private, and one whose public ACL
# Block Public Access ignores.
s3.create_bucket(Bucket="public-assets", ACL="public-read")
# Grants rather than the canned `public-read-write`, whose WRITE moto leaves out of GetBucketAcl.
all_users = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
s3.create_bucket(Bucket="public-dropbox")
s3.put_bucket_acl(Bucket="public-dropbox", GrantRead=all_users, GrantWrite=all_users)
s3.create_bucket(Bucket="private-data")
s3.create_bucket(Bucket="blocked-assets", ACL="public-read")
s3.put_public_access_block(Bucket="blocked-assets", PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})


def function_arn(name):
    return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def rest_method(api, path, verb, function_name, authorization="NONE"):
    root = next(item["id"] for item in rest.get_resources(restApiId=api)["items"] if item["path"] == "/")
    resource = rest.create_resource(restApiId=api, parentId=root, pathPart=path)["id"]
    rest.put_method(restApiId=api, resourceId=resource, httpMethod=verb, authorizationType=authorization)
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn(function_name)}/invocations"
    rest.put_integration(restApiId=api, resourceId=resource, httpMethod=verb, type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)


# REST APIs: an open GET /orders and an IAM-authorized POST /admin; GET /reports open but under a usage plan.
orders_api = rest.create_rest_api(name="orders-api")["id"]
rest_method(orders_api, "orders", "GET", "orders")
rest_method(orders_api, "admin", "POST", "orders", authorization="AWS_IAM")
reports_api = rest.create_rest_api(name="reports-api")["id"]
rest_method(reports_api, "reports", "GET", "orders")
rest.create_deployment(restApiId=reports_api, stageName="prod")
rest.create_usage_plan(name="reports-plan", apiStages=[{"apiId": reports_api, "stage": "prod"}], throttle={"rateLimit": 10, "burstLimit": 20})


def http_route(api, key, function_name, **settings):
    integration = http.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=function_arn(function_name),
                                          PayloadFormatVersion="2.0")["IntegrationId"]
    http.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integration}", **settings)


# HTTP APIs: an open POST /upload, a JWT-authorized GET /status, and GET /ping open but throttled by its stage.
uploads_api = http.create_api(Name="uploads-http", ProtocolType="HTTP")["ApiId"]
http_route(uploads_api, "POST /upload", "uploads")
authorizer = http.create_authorizer(ApiId=uploads_api, AuthorizerType="JWT", Name="cognito", IdentitySource=["$request.header.Authorization"],
                                    JwtConfiguration={"Audience": ["catalog"], "Issuer": "https://issuer.example.com"})["AuthorizerId"]
http_route(uploads_api, "GET /status", "catalog", AuthorizationType="JWT", AuthorizerId=authorizer)
ping_api = http.create_api(Name="ping-http", ProtocolType="HTTP")["ApiId"]
http_route(ping_api, "GET /ping", "catalog")
http.create_stage(ApiId=ping_api, StageName="$default", DefaultRouteSettings={"ThrottlingRateLimit": 50.0, "ThrottlingBurstLimit": 100})

print(port, flush=True)
sys.stdin.read()
server.stop()

#!/usr/bin/env python3
"""Writes DIR/template.yaml: a SAM template with 1,000 functions whose settings vary, so every scan
check has work to do (Benchmarks/posture-vs-checkov.sh, scripts/order-palisade)."""
import os, sys
target = sys.argv[1]
os.makedirs(target, exist_ok=True)
runtimes = ["python3.8", "python3.12", "nodejs18.x", "nodejs20.x", "java21"]
lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
         "Globals:", "  Function:", "    Timeout: 10", "    Tracing: Active", "Resources:",
         "  SharedRole:", "    Type: AWS::IAM::Role", "    Properties:", "      Policies:",
         "        - PolicyName: broad", "          PolicyDocument:", "            Statement:",
         "              - Effect: Allow", "                Action: '*'", "                Resource: '*'"]
for n in range(1000):
    lines += [f"  Function{n}:", "    Type: AWS::Serverless::Function", "    Properties:",
              f"      Runtime: {runtimes[n % len(runtimes)]}", "      Handler: app.handler", "      CodeUri: src/"]
    if n % 3 == 0:
        lines += ["      Role: !GetAtt SharedRole.Arn"]
    if n % 4 == 0:
        lines += ["      ReservedConcurrentExecutions: 5"]
    lines += ["      Environment:", "        Variables:", f"          TABLE: table-{n}"]
    if n % 50 == 0:
        lines += ["          LEGACY_KEY: AKIAIOSFODNN7EXAMPLE"]
    lines += ["      Events:", "        Api:", "          Type: Api", "          Properties:",
              f"            Path: /f{n}", "            Method: get"]
    if n % 2 == 0:
        lines += ["        Queue:", "          Type: SQS", "          Properties:", "            Queue: arn:aws:sqs:us-east-1:111122223333:q"]
open(os.path.join(target, "template.yaml"), "w").write("\n".join(lines) + "\n")

"""boto3 against `stepd serve --access-keys`: signed requests work, a wrong secret or an unknown key is refused
with AWS's error codes.

Usage: python3 boto3_auth.py URL KEY_ID SECRET. Exits non-zero (with a traceback) on any mismatch.
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

url, key_id, secret = sys.argv[1:4]


def client(key, secret_key):
    return boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret_key)


good = client(key_id, secret)
definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "signed", "End": True}}})
sm = good.create_state_machine(name="signed", definition=definition,
                               roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
execution = good.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
assert json.loads(good.describe_execution(executionArn=execution)["output"]) == "signed"

for bad, code in [(client(key_id, secret + "x"), "InvalidSignatureException"),
                  (client("AKIDNOBODY", secret), "UnrecognizedClientException")]:
    try:
        bad.list_state_machines()
        raise SystemExit(f"expected {code}")
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response
SHIPPED = ["stepd-job-poller", "stepd-job-scheduler"]
assert [m["name"] for m in good.list_state_machines()["stateMachines"]] == sorted(SHIPPED + ["signed"]), "refused calls changed nothing"
print("boto3 auth: ok")

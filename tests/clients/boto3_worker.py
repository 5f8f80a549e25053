"""boto3 against a running `stepd serve`: typed exceptions, an activity worker polling GetActivityTask.

Usage: python3 boto3_worker.py URL. Exits non-zero (with a traceback) on any mismatch.
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

url = sys.argv[1]
sfn = boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")

# Typed errors come back as the SDK's modelled exceptions.
try:
    sfn.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:nope:nope")
    raise SystemExit("expected ExecutionDoesNotExist")
except sfn.exceptions.ExecutionDoesNotExist:
    pass
try:
    sfn.create_state_machine(name="bad", definition='{"StartAt": "X", "States": {}}',
                             roleArn="arn:aws:iam::123456789012:role/r")
    raise SystemExit("expected InvalidDefinition")
except sfn.exceptions.InvalidDefinition as e:
    assert "Invalid State Machine Definition" in str(e), e
try:
    sfn.send_task_success(taskToken="no-such-token", output="{}")
    raise SystemExit("expected TaskDoesNotExist")
except sfn.exceptions.TaskDoesNotExist:
    pass

# An activity worker: take the task with GetActivityTask, answer with SendTaskSuccess.
activity = sfn.create_activity(name="crunch")["activityArn"]
definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}}}
sm = sfn.create_state_machine(name="worker", definition=json.dumps(definition),
                              roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
# Creating again: the same definition answers the same machine, another one is refused.
again = sfn.create_state_machine(name="worker", definition=json.dumps(definition),
                                 roleArn="arn:aws:iam::123456789012:role/r")
assert again["stateMachineArn"] == sm, again
try:
    sfn.create_state_machine(name="worker", definition='{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}',
                             roleArn="arn:aws:iam::123456789012:role/r")
    raise SystemExit("expected StateMachineAlreadyExists")
except sfn.exceptions.StateMachineAlreadyExists:
    pass
assert sfn.create_activity(name="crunch")["activityArn"] == activity
execution = sfn.start_execution(stateMachineArn=sm, name="w1", input=json.dumps({"n": 21}))["executionArn"]
try:
    sfn.start_execution(stateMachineArn=sm, name="w1", input=json.dumps({"n": 22}))
    raise SystemExit("expected ExecutionAlreadyExists")
except sfn.exceptions.ExecutionAlreadyExists:
    pass
task = sfn.get_activity_task(activityArn=activity, workerName="boto3-worker")
n = json.loads(task["input"])["n"]
sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"doubled": n * 2}))
described = sfn.describe_execution(executionArn=execution)
assert described["status"] == "SUCCEEDED", described
assert json.loads(described["output"]) == {"doubled": 42}, described
events = sfn.get_execution_history(executionArn=execution)["events"]
assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded", events

# Listing and describing, with the SDK's own paginators walking nextToken.
assert sfn.describe_state_machine(stateMachineArn=sm)["definition"] == json.dumps(definition)
assert sfn.describe_state_machine(stateMachineArn=sm)["roleArn"] == "arn:aws:iam::123456789012:role/r"
assert sfn.describe_state_machine_for_execution(executionArn=execution)["stateMachineArn"] == sm
names = [m["name"] for p in sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 1})
         for m in p["stateMachines"]]
# Every server ships the job workflows (they sort first); four machines on four pages of one.
assert names == ["stepd-job-poller", "stepd-job-scheduler", "worker"], names
for i in range(3):
    sfn.start_execution(stateMachineArn=sm, name=f"more{i}", input="{}")
pages = list(sfn.get_paginator("list_executions").paginate(stateMachineArn=sm, PaginationConfig={"PageSize": 2}))
assert [len(p["executions"]) for p in pages] == [2, 2], pages
listed = sorted(e["name"] for p in pages for e in p["executions"])
assert listed == ["more0", "more1", "more2", "w1"], listed
done = sfn.list_executions(stateMachineArn=sm, statusFilter="SUCCEEDED")["executions"]
assert [e["name"] for e in done] == ["w1"], done
try:
    sfn.list_executions(stateMachineArn=sm + "x")
    raise SystemExit("expected StateMachineDoesNotExist")
except sfn.exceptions.StateMachineDoesNotExist:
    pass

# Tags: at creation, added, overwritten, removed; kept in the resource's record.
tagged = sfn.create_state_machine(name="tagged", definition=json.dumps(definition),
                                  roleArn="arn:aws:iam::123456789012:role/r",
                                  tags=[{"key": "team", "value": "hpc"}])["stateMachineArn"]
sfn.tag_resource(resourceArn=tagged, tags=[{"key": "team", "value": "data"}, {"key": "cost", "value": "42"}])
sfn.untag_resource(resourceArn=tagged, tagKeys=["cost", "absent"])
assert sfn.list_tags_for_resource(resourceArn=tagged)["tags"] == [{"key": "team", "value": "data"}]
sfn.tag_resource(resourceArn=activity, tags=[{"key": "queue", "value": "gpu"}])
assert sfn.list_tags_for_resource(resourceArn=activity)["tags"] == [{"key": "queue", "value": "gpu"}]
try:
    sfn.tag_resource(resourceArn=tagged, tags=[{"key": f"k{i}", "value": ""} for i in range(50)])
    raise SystemExit("expected TooManyTags")
except sfn.exceptions.TooManyTags:
    pass
assert len(sfn.list_tags_for_resource(resourceArn=tagged)["tags"]) == 1, "a refused TagResource changes nothing"
try:
    sfn.list_tags_for_resource(resourceArn=sm + "-nope")
    raise SystemExit("expected ResourceNotFound")
except sfn.exceptions.ResourceNotFound:
    pass
# Versions: publish at creation and on update; a version ARN runs its own definition.
pass_def = lambda said: json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": said, "End": True}}})
created = sfn.create_state_machine(name="versioned", definition=pass_def("one"), publish=True,
                                   versionDescription="first", roleArn="arn:aws:iam::123456789012:role/r")
versioned, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
assert v1 == versioned + ":1", created
updated = sfn.update_state_machine(stateMachineArn=versioned, definition=pass_def("two"), publish=True)
assert updated["stateMachineVersionArn"] == versioned + ":2", updated
described = sfn.describe_state_machine(stateMachineArn=v1)
assert described["definition"] == pass_def("one") and described["description"] == "first", described
assert sfn.describe_state_machine(stateMachineArn=versioned)["revisionId"] == updated["revisionId"]
listed = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=versioned)["stateMachineVersions"]]
assert listed == [versioned + ":2", v1], listed
try:
    sfn.publish_state_machine_version(stateMachineArn=versioned, revisionId="stale")
    raise SystemExit("expected ConflictException")
except sfn.exceptions.ConflictException:
    pass
try:
    sfn.update_state_machine(stateMachineArn=versioned)
    raise SystemExit("expected MissingRequiredParameter")
except sfn.exceptions.MissingRequiredParameter:
    pass
on_v1 = sfn.start_execution(stateMachineArn=v1, name="on-v1")["executionArn"]
for _ in range(100):
    d = sfn.describe_execution(executionArn=on_v1)
    if d["status"] != "RUNNING":
        break
assert json.loads(d["output"]) == "one" and d["stateMachineVersionArn"] == v1, d
on_version = sfn.list_executions(stateMachineArn=v1)["executions"]
assert [e["name"] for e in on_version] == ["on-v1"] and on_version[0]["stateMachineVersionArn"] == v1, on_version
sfn.delete_state_machine_version(stateMachineVersionArn=v1)
assert len(sfn.list_state_machine_versions(stateMachineArn=versioned)["stateMachineVersions"]) == 1

# Aliases: route StartExecution to a version; a routed version cannot be deleted.
v2 = versioned + ":2"
prod = sfn.create_state_machine_alias(name="prod", description="live",
                                      routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])["stateMachineAliasArn"]
assert prod == versioned + ":prod", prod
via = sfn.start_execution(stateMachineArn=prod, name="via-alias")["executionArn"]
d = sfn.describe_execution(executionArn=via)
assert (json.loads(d["output"]), d["stateMachineAliasArn"], d["stateMachineVersionArn"]) == ("two", prod, v2), d
alias = sfn.describe_state_machine_alias(stateMachineAliasArn=prod)
assert (alias["name"], alias["description"], alias["routingConfiguration"]) == ("prod", "live", [{"stateMachineVersionArn": v2, "weight": 100}]), alias
assert [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=versioned)["stateMachineAliases"]] == [prod]
for bad, code in [(dict(stateMachineAliasArn=prod, routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 50}]), "ValidationException")]:
    try:
        sfn.update_state_machine_alias(**bad)
        raise SystemExit(f"expected {code}")
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response
try:
    sfn.create_state_machine_alias(name="123", routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
    raise SystemExit("expected InvalidName")
except sfn.exceptions.InvalidName:
    pass
try:
    sfn.delete_state_machine_version(stateMachineVersionArn=v2)
    raise SystemExit("expected ConflictException")
except sfn.exceptions.ConflictException:
    pass
sfn.update_state_machine_alias(stateMachineAliasArn=prod, description="still live")
sfn.delete_state_machine_alias(stateMachineAliasArn=prod)
try:
    sfn.describe_state_machine_alias(stateMachineAliasArn=prod)
    raise SystemExit("expected ResourceNotFound")
except sfn.exceptions.ResourceNotFound:
    pass
# EXPRESS machines: StartSyncExecution answers the outcome; STANDARD machines refuse it.
express_def = json.dumps({"StartAt": "Add", "States": {
    "Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "Next": "Big?"},
    "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.sum", "NumericGreaterThan": 100, "Next": "TooBig"}],
             "Default": "Done"},
    "TooBig": {"Type": "Fail", "Error": "Overflow", "Cause": "sum over 100"},
    "Done": {"Type": "Succeed"}}})
quick = sfn.create_state_machine(name="quick", definition=express_def, type="EXPRESS",
                                 roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
assert sfn.describe_state_machine(stateMachineArn=quick)["type"] == "EXPRESS"
assert {m["name"]: m["type"] for m in sfn.list_state_machines()["stateMachines"]}["quick"] == "EXPRESS"
# botocore sends StartSyncExecution to host "sync-<endpoint host>" unless told not to (AWS's own endpoint
# has that name; a local server does not).
from botocore.config import Config
sync = boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                    aws_secret_access_key="test", config=Config(inject_host_prefix=False))
done = sync.start_sync_execution(stateMachineArn=quick, input=json.dumps({"a": 2, "b": 3}))
assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"sum": 5}, done
assert ":express:quick:" in done["executionArn"], done
failed = sync.start_sync_execution(stateMachineArn=quick, name="big", input=json.dumps({"a": 200, "b": 3}))
assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "Overflow", "sum over 100"), failed
assert ":express:" in sfn.start_execution(stateMachineArn=quick, input="{}")["executionArn"]
try:
    sync.start_sync_execution(stateMachineArn=sm, input="{}")
    raise SystemExit("expected StateMachineTypeNotSupported")
except sync.exceptions.StateMachineTypeNotSupported:
    pass
try:
    sfn.create_state_machine(name="express-callback", type="EXPRESS", roleArn="arn:aws:iam::123456789012:role/r",
                             definition=json.dumps({"StartAt": "T", "States": {"T": {"Type": "Task",
                                 "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True}}}))
    raise SystemExit("expected InvalidDefinition")
except sfn.exceptions.InvalidDefinition:
    pass
# RedriveExecution: a failed execution runs again from the failed state.
redo = sfn.create_activity(name="redo")["activityArn"]
redo_sm = sfn.create_state_machine(name="redo", roleArn="arn:aws:iam::123456789012:role/r", definition=json.dumps(
    {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": redo, "End": True}}}))["stateMachineArn"]
failing = sfn.start_execution(stateMachineArn=redo_sm, name="r1", input=json.dumps({"n": 1}))["executionArn"]
task = sfn.get_activity_task(activityArn=redo, workerName="w")
sfn.send_task_failure(taskToken=task["taskToken"], error="Worker.Crashed", cause="oom")
assert sfn.describe_execution(executionArn=failing)["status"] == "FAILED"
assert sfn.describe_execution(executionArn=failing)["redriveStatus"] == "REDRIVABLE"
assert "redriveDate" in sfn.redrive_execution(executionArn=failing)
d = sfn.describe_execution(executionArn=failing)
assert (d["status"], d["redriveCount"]) == ("RUNNING", 1), d
task = sfn.get_activity_task(activityArn=redo, workerName="w")
assert json.loads(task["input"]) == {"n": 1}, task
sfn.send_task_success(taskToken=task["taskToken"], output="{}")
assert sfn.describe_execution(executionArn=failing)["status"] == "SUCCEEDED"
assert [e["name"] for e in sfn.list_executions(stateMachineArn=redo_sm, redriveFilter="REDRIVEN")["executions"]] == ["r1"]
assert sfn.list_executions(stateMachineArn=redo_sm, redriveFilter="NOT_REDRIVEN")["executions"] == []
bare = sfn.describe_execution(executionArn=failing, includedData="METADATA_ONLY")
assert "input" not in bare and "output" not in bare and bare["status"] == "SUCCEEDED", bare
try:
    sfn.redrive_execution(executionArn=failing)
    raise SystemExit("expected ExecutionNotRedrivable")
except sfn.exceptions.ExecutionNotRedrivable:
    pass

# TestState: one state on its own (also behind the sync- host prefix).
def test(state, inp, **kw):
    return sync.test_state(definition=json.dumps(state), roleArn="arn:aws:iam::123456789012:role/r",
                           input=json.dumps(inp), **kw)
r = test({"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "After"}, {"a": 1})
assert (r["status"], json.loads(r["output"]), r["nextState"]) == ("SUCCEEDED", {"x": 1}, "After"), r
r = test({"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}], "Default": "Small"}, {"n": 9})
assert (r["status"], r["nextState"]) == ("SUCCEEDED", "Big"), r
r = test({"Type": "Pass", "Parameters": {"who.$": "$owner", "n.$": "$.n"}, "Next": "After"}, {"n": 2},
         variables=json.dumps({"owner": "ops"}))
assert (r["status"], json.loads(r["output"]), r["nextState"]) == ("SUCCEEDED", {"who": "ops", "n": 2}, "After"), r
r = test({"Type": "Wait", "Seconds": 3600, "Next": "Later"}, {"k": 1})
assert (r["status"], r["nextState"], json.loads(r["output"])) == ("SUCCEEDED", "Later", {"k": 1}), r
task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "ResultSelector": {"v.$": "$.Payload"},
        "ResultPath": "$.r", "Next": "Then"}
r = test(task, {"in": 1}, mock={"result": json.dumps({"Payload": 42})}, inspectionLevel="DEBUG")
assert (r["status"], json.loads(r["output"]), r["nextState"]) == ("SUCCEEDED", {"in": 1, "r": {"v": 42}}, "Then"), r
assert json.loads(r["inspectionData"]["result"]) == {"Payload": 42}, r
steps = {k: json.loads(v) for k, v in r["inspectionData"].items()}
assert (steps["afterInputPath"], steps["afterResultSelector"], steps["afterResultPath"]) == (
    {"in": 1}, {"v": 42}, {"in": 1, "r": {"v": 42}}), steps
r = test({"Type": "Pass", "InputPath": "$.job", "Parameters": {"name.$": "$.name"}, "End": True},
         {"job": {"name": "etl", "size": 3}}, inspectionLevel="DEBUG")
steps = {k: json.loads(v) for k, v in r["inspectionData"].items()}
assert (steps["afterInputPath"], steps["afterParameters"]) == ({"name": "etl", "size": 3}, {"name": "etl"}), steps
flaky = dict(task, Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 2}])
r = test(flaky, {}, mock={"errorOutput": {"error": "Flaky", "cause": "try again"}})
assert (r["status"], r["error"], r["cause"]) == ("RETRIABLE", "Flaky", "try again"), r
caught = dict(task, Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Recover"}])
r = test(caught, {"in": 1}, mock={"errorOutput": {"error": "Boom", "cause": "bad"}})
assert (r["status"], r["nextState"], r["error"]) == ("CAUGHT_ERROR", "Recover", "Boom"), r
assert json.loads(r["output"])["err"]["Error"] == "Boom", r
r = test(task, {}, mock={"errorOutput": {"error": "Boom", "cause": "bad"}})
assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Boom", "bad"), r
r = test({"Type": "Fail", "Error": "Nope", "Cause": "because"}, {})
assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Nope", "because"), r
whole = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": 7, "End": True}}}
r = sync.test_state(definition=json.dumps(whole), stateName="B", input="{}")
assert (r["status"], json.loads(r["output"]), r.get("nextState")) == ("SUCCEEDED", 7, None), r
for bad, code in [({"Type": "Pass", "Next": 5}, "InvalidDefinition"),
                  ({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True},
                   "ValidationException")]:
    try:
        test(bad, {})
        raise SystemExit(f"expected {code}")
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response
print("boto3: ok")

"""Test tools: the load test of the local server and the DynamoDB fault proxy."""

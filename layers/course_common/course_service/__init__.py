"""Course Service shared code: schemas, the DynamoDB model, domain operations and HTTP glue.

Shipped as a Lambda layer (``python/course_service``) so every function imports one copy.
"""

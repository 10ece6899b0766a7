"""Course Service's shared code, shipped as a Lambda layer (``python/course_service``).

Four layers, each importing only those below it (pyproject.toml's import contracts, checked by make
lint; docs/ARCHITECTURE.md draws them): ``entry`` (the Lambda entry point), ``edge`` (HTTP),
``core`` (the course operations and their decisions), ``store`` (DynamoDB); and ``common``, what
they all share.
"""

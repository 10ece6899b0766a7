"""Local development tooling: serve template.yaml's API in-process, like warm Lambda instances.

Not deployed; `sam local` needs Docker, this needs only Python (and Node.js for dynalite).
"""

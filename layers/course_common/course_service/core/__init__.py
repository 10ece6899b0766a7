"""The course operations and the decisions of the write path, the API's data contract, keyed creates."""

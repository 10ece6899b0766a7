"""DynamoDB: the course item, its conditional writes and reads, the retry policy, the records' store."""

"""sam local by hand and in tests: the SAM CLI's containers, on Docker or on the project's own engine."""

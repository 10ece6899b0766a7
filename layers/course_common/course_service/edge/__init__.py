"""HTTP: routing, request checks, conditional requests, responses, and the API document's answers."""

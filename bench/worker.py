"""One measurement in a fresh process, run with the runtime's Python (python3.13) as Lambda would.

``python3.13 -I -B bench/worker.py <job.json> <result.json>``. Standard library only: the code it
measures brings everything else, from the build output, on the path Lambda gives it
(function code, then the layer like /opt/python, then the runtime's botocore like /var/runtime).
Handler output (logs, EMF metrics) goes to stdout, as in Lambda; results go to the result file.
"""

import time

STARTED = time.perf_counter()

import importlib.util  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402


class Context:
    """The parts of Lambda's context object that Powertools reads.

    Not localdev.runtime.LambdaContext: this worker imports the standard library only, so that the
    cold start it times holds nothing but the measured code (localdev's modules would add theirs).
    """

    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 15000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(module_name: str, path: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def course_name(run: str, i: int, prefix: str) -> str:
    """The course request ``i`` creates (create) or deletes (delete; bench/__main__.py seeds it).

    Letters, digits and ``-`` only: unreserved in a URL, so the name is its own path segment.
    """
    return f"{prefix}-{run}-{i}"


def event_for(job: dict, i: int, prefix: str) -> dict:
    """The job's event; creates get a new name each time (keyed ones a new key too: each is a
    create, not a replay), updates alternate the level, deletes take a seeded course each time."""
    event = dict(job["event"])
    event["requestContext"] = {**event["requestContext"], "requestId": f"{prefix}-{i}"}
    if job["kind"] in ("create", "create_keyed"):
        event["body"] = json.dumps({"name": course_name(job["run"], i, prefix), "level": "beginner"})
        if job["kind"] == "create_keyed":
            key = f"{prefix}-{job['run']}-{i}"
            event["headers"] = {**event["headers"], "Idempotency-Key": key}
            event["multiValueHeaders"] = {**event["multiValueHeaders"], "Idempotency-Key": [key]}
    elif job["kind"] == "update":
        event["body"] = json.dumps({"level": ("beginner", "advanced")[i % 2]})
    elif job["kind"] == "delete":
        event["path"] = job["courses_path"] + course_name(job["run"], i, prefix)  # courses_path: "/courses/"
    return event


def cold(job: dict) -> dict:
    """Imports the handler as Lambda's bootstrap does and returns its first response."""
    sys.path[:0] = job["path"]
    t0 = time.perf_counter()
    handler = importlib.import_module("app").lambda_handler
    t1 = time.perf_counter()
    response = handler(event_for(job, 0, job.get("prefix") or "cold" + uuid.uuid4().hex[:8]), Context())
    t2 = time.perf_counter()
    return {
        "status": response["statusCode"],
        "interpreter_ms": (t0 - STARTED) * 1000,
        "import_ms": (t1 - t0) * 1000,
        "first_ms": (t2 - t1) * 1000,
        "cold_ms": (t2 - t0) * 1000,
        "rss_mb": peak_rss_mb(),
        "modules": len(sys.modules),
    }


class Recorder:
    """Counts DynamoDB calls from botocore's events; records responses to replay them stubbed."""

    def __init__(self) -> None:
        import botocore.httpsession
        import botocore.session

        self.counting = False
        self.calls = self.attempts = 0
        self.replay = False  # True: answer with the recorded responses, instead of the network
        self.recorded: dict[bytes, tuple[int, object, bytes]] = {}
        recorder = self
        create_client = botocore.session.Session.create_client

        def counting_create_client(session, *args, **kwargs):
            client = create_client(session, *args, **kwargs)
            client.meta.events.register("before-call.dynamodb", recorder._on_call)
            client.meta.events.register("before-send.dynamodb", recorder._on_send)
            return client

        botocore.session.Session.create_client = counting_create_client
        send = botocore.httpsession.URLLib3Session.send

        def recording_send(session, request):
            if recorder.replay:
                return recorder._stubbed(request)
            response = send(session, request)
            target = request.headers.get("X-Amz-Target", b"")
            recorder.recorded[target] = (response.status_code, response.headers, response.content)
            return response

        botocore.httpsession.URLLib3Session.send = recording_send

    def _on_call(self, **_) -> None:
        if self.counting:
            self.calls += 1

    def _on_send(self, **_) -> None:
        if self.counting:
            self.attempts += 1

    def _stubbed(self, request):
        from botocore.awsrequest import AWSResponse

        status, headers, content = self.recorded[request.headers.get("X-Amz-Target", b"")]

        class Raw:
            def stream(self, **_):
                yield content

        return AWSResponse(request.url, status, headers, Raw())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(handler, job: dict, prefix: str, indices: range, out: list[float], statuses: set) -> None:
    events = [event_for(job, i, prefix) for i in indices]
    contexts = [Context() for _ in indices]
    for event, context in zip(events, contexts, strict=False):
        t = time.perf_counter_ns()
        statuses.add(handler(event, context)["statusCode"])
        out.append((time.perf_counter_ns() - t) / 1000)


def warm(job: dict) -> dict:
    """N requests to the handler and N to the botocore-only floor, interleaved in blocks."""
    sys.path[:0] = job["path"]
    recorder = Recorder()
    handler = load("app", job["app"]).lambda_handler
    floor = load("floor", job["floor"]).lambda_handler
    n, block, warmup = job["requests"], 100, job["warmup"]
    run = job.get("prefix") or uuid.uuid4().hex[:8]
    statuses: set = set()
    timed(handler, job, f"w{run}", range(-warmup, 0), [], statuses)
    timed(floor, job, f"f{run}", range(-warmup, 0), [], set())
    result: dict = {}
    mine: list[float] = []
    base: list[float] = []
    for start in range(0, n, block):
        recorder.counting = True
        timed(handler, job, f"w{run}", range(start, min(n, start + block)), mine, statuses)
        recorder.counting = False
        timed(floor, job, f"f{run}", range(start, min(n, start + block)), base, set())
    result.update(
        statuses=sorted(statuses),
        p50_ms=percentile(mine, 0.5) / 1000,
        p99_ms=percentile(mine, 0.99) / 1000,
        floor_p50_ms=percentile(base, 0.5) / 1000,
        floor_p99_ms=percentile(base, 0.99) / 1000,
        ddb_calls=recorder.calls / n,
        ddb_attempts=recorder.attempts / n,
        rss_mb=peak_rss_mb(),
    )
    if job.get("stub"):
        # Same requests with DynamoDB answered from recorded responses: what is left is our own cost.
        recorder.replay = True
        mine, base = [], []
        for start in range(0, n, block):
            timed(handler, job, f"s{run}", range(start, min(n, start + block)), mine, set())
            timed(floor, job, f"t{run}", range(start, min(n, start + block)), base, set())
        result.update(stub_us=percentile(mine, 0.5), floor_stub_us=percentile(base, 0.5))
    return result


def main() -> None:
    with open(sys.argv[1]) as f:
        job = json.load(f)
    result = cold(job) if job["mode"] == "cold" else warm(job)
    with open(sys.argv[2], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()

"""One function of the built artifact, in a fresh process, as Lambda runs it: its requests answered,
and what they loaded.

``python3.13 -I -S -B artifact_probe.py <job.json> <result.json>``: standard library only, and no
site-packages (``-S``), so that nothing but the function's folder and the layer can be imported.
The job names the function's folder, the layer and the API Gateway events to send; the result holds
each response's status, the files opened under the layer, what botocore's loader asked for (and
whether it found it), and every module loaded from outside the artifact and the standard library.
"""

import importlib
import json
import os
import sys
import sysconfig


class Context:
    """What Powertools reads of Lambda's context object."""

    function_name = "artifact"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:artifact"
    log_group_name = "/aws/lambda/artifact"
    log_stream_name = "artifact"
    aws_request_id = "artifact-probe"

    def get_remaining_time_in_millis(self) -> int:
        return 15000


def main(job_file: str, result_file: str) -> None:
    with open(job_file) as f:
        job = json.load(f)
    layer = os.path.realpath(job["layer"])
    opened: set[str] = set()

    def audit(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], str):
            path = os.path.realpath(args[0])
            if path.startswith(layer + os.sep):
                opened.add(os.path.relpath(path, layer))

    sys.addaudithook(audit)
    sys.path[:0] = [job["function"], layer]

    from botocore import loaders  # the layer's: the path above comes first

    asked: dict[str, bool] = {}
    load_file = loaders.JSONFileLoader.load_file

    def recording_load_file(self, file_path):
        data = load_file(self, file_path)
        asked[os.path.relpath(file_path, layer)] = data is not None
        return data

    loaders.JSONFileLoader.load_file = recording_load_file
    handler = importlib.import_module("app").lambda_handler
    statuses = [handler(event, Context())["statusCode"] for event in job["events"]]

    paths = sysconfig.get_paths()
    artifact = [os.path.realpath(p) for p in (layer, job["function"])]
    stdlib = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib")}
    site = {os.path.realpath(paths[k]) for k in ("purelib", "platlib")}  # inside stdlib's folder

    def under(path: str, folders) -> bool:
        return any(path.startswith(folder + os.sep) for folder in folders)

    def allowed(path: str) -> bool:
        return under(path, artifact) or (under(path, stdlib) and not under(path, site))

    foreign = sorted(
        {
            name
            for name, module in list(sys.modules.items())
            if (path := getattr(module, "__file__", None))
            and os.path.realpath(path) != os.path.realpath(__file__)  # this probe (__main__)
            and not allowed(os.path.realpath(path))
        }
    )
    with open(result_file, "w") as f:
        json.dump(
            {
                "statuses": statuses,
                "opened": sorted(opened),
                "asked": asked,
                "foreign_modules": foreign,
                "modules": sorted(sys.modules),
            },
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

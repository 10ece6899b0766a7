"""CI/CD: the workflows parse, test with the README's command, and deploy dev then prod with OIDC."""

import re
import subprocess
import sys
import tomllib

import yaml

from tests.root import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as True
    return document


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job.get("steps", []) if "run" in step]


def test_every_workflow_parses_and_has_jobs():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files
    for path in files:
        assert _workflow(path.name)["jobs"], path.name


def test_pull_requests_and_main_run_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = _workflow("ci.yml")
    assert "pull_request" in ci["on"] and ci["on"]["push"]["branches"] == ["main"]
    assert "make test" in readme and "make run" in readme
    assert any(re.match(r"make test\b", run) for run in _runs(ci["jobs"]["test"]))


def test_main_deploys_dev_then_prod_through_oidc_without_long_lived_keys():
    ci = _workflow("ci.yml")
    jobs = ci["jobs"]
    assert jobs["deploy-dev"]["needs"] == "test" and "refs/heads/main" in jobs["deploy-dev"]["if"]
    assert jobs["deploy-prod"]["needs"] == "deploy-dev"
    assert [jobs[j]["with"]["environment"] for j in ("deploy-dev", "deploy-prod")] == ["dev", "prod"]
    deploy = _workflow("deploy.yml")["jobs"]["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    credentials = next(
        s for s in deploy["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")
    )
    assert set(credentials["with"]) == {"role-to-assume", "aws-region"}
    text = "".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    assert any("make build" in run for run in _runs(deploy)) and any("make deploy-only" in run for run in _runs(deploy))


def test_samconfig_has_dev_and_prod_stacks_and_the_makefile_deploys_them():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for env in ("dev", "prod"):
        assert config[env]["global"]["parameters"]["stack_name"] == f"course-service-{env}"
        assert "CAPABILITY_AUTO_EXPAND" in config[env]["deploy"]["parameters"]["capabilities"]  # LanguageExtensions
    assert "Canary" in config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^deploy-only:.*\n\t\$\(SAM\) deploy --config-env \$\(ENV\)", makefile, re.M)


def test_each_deploy_is_followed_by_the_smoke_check_against_that_stacks_api_url():
    deploy = _workflow("deploy.yml")["jobs"]["deploy"]
    runs = _runs(deploy)
    deployed = next(i for i, run in enumerate(runs) if "make deploy-only" in run)
    smoke = next(i for i, run in enumerate(runs) if re.search(r"make smoke API=", run))
    assert smoke > deployed
    # The stack samconfig.toml names for the environment (course-service-<env>), its ApiUrl output.
    assert "course-service-${{ inputs.environment }}" in runs[smoke] and "ApiUrl" in runs[smoke]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^smoke:.*\n(\t.*\n)*\t\$\(PY\) -m ops\.smoke \"\$\(API\)\"", makefile, re.M)


def test_ci_runs_make_test_then_sam_local_for_real():
    commands = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert commands == ["make test", "make test-sam-local"]
    assert re.search(r"^test-sam-local:", (ROOT / "Makefile").read_text(), re.M)


def test_the_pre_commit_hook_runs_the_gates_make_test_starts_with():
    """`make hooks` installs .pre-commit-config.yaml: a valid config whose one hook is `make lint`,
    the target `make test` depends on, so a commit meets the same gates as CI."""
    config = ROOT / ".pre-commit-config.yaml"
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    hooks = [hook for repo in yaml.safe_load(config.read_text())["repos"] for hook in repo["hooks"]]
    assert [(hook["entry"], hook["pass_filenames"]) for hook in hooks] == [("make --no-print-directory lint", False)]
    test_target = re.search(r"^test:([^#\n]*)", (ROOT / "Makefile").read_text(), re.M)
    assert test_target and "lint" in test_target.group(1).split()


def test_a_weekly_run_on_fresh_runners_catches_drift_with_each_end_of_the_supported_pythons():
    drift = _workflow("drift.yml")
    assert drift["on"]["schedule"] and "workflow_dispatch" in drift["on"]
    (job,) = drift["jobs"].values()
    supported = re.search(r"^SUPPORTED_PYTHON := (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    assert job["strategy"]["matrix"]["python"] == [supported[0], supported[-1]]
    runs = _runs(job)
    assert [re.search(r"\bmake (test-sam-local|test)\b", run).group(0) for run in runs] == [
        "make test",
        "make test-sam-local",
    ]
    assert all("PYTHON=python${{ matrix.python }}" in run for run in runs)

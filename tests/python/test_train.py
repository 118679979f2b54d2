"""minnow.train against `minnow train`: the same config gives the same weights bit for bit at one
thread; progress sees metrics.jsonl's records; Ctrl-C (SIGINT) or an exception from progress stops
the run after its step with last.safetensors written and is raised, and resume=auto then ends
where the straight run ends; a bad config raises minnow.Error with the CLI's message."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import minnow
from conftest import read_safetensors, run_cli, tiny_config


def test_a_dict_run_equals_the_cli_run_of_its_yaml(straight_run, tmp_path):
    config, output, summary, _ = straight_run
    path = tmp_path / "run.yaml"
    path.write_text(minnow.config_yaml(dict(config, output=str(tmp_path / "cli"))))
    run_cli("train", path)
    assert (output / "model.safetensors").read_bytes() == (tmp_path / "cli" / "model.safetensors").read_bytes()
    losses = [[r["loss"] for r in map(json.loads, (folder / "metrics.jsonl").read_text().splitlines())
               if r["type"] == "step"] for folder in (output, tmp_path / "cli")]
    assert len(losses[0]) == 12 and losses[0] == losses[1]


def test_the_summary_is_summary_json_and_progress_sees_every_record(straight_run):
    _, output, summary, records = straight_run
    assert summary.pop("output") == str(output)
    assert summary == json.loads((output / "summary.json").read_text())
    assert summary["model"] == "mobilenet_v1" and summary["epochs"] == 2
    assert records == [json.loads(line) for line in (output / "metrics.jsonl").read_text().splitlines()]
    assert [r["global_step"] for r in records if r["type"] == "step"] == list(range(1, 13))
    assert [r["type"] for r in records if r["type"] != "step"] == ["train_epoch", "eval_epoch"] * 2


def checkpoint_step(run_folder):
    return int(read_safetensors(run_folder / "last.safetensors")[1]["global_step"])


def test_ctrl_c_stops_after_the_step_and_resume_ends_as_the_straight_run(straight_run, data_dir, tmp_path):
    output = tmp_path / "run"
    path = tmp_path / "run.yaml"
    path.write_text(minnow.config_yaml(tiny_config(data_dir, output)))

    def progress(record):
        if record["type"] == "step" and record["global_step"] == 8:  # inside the second epoch
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as caught:
        minnow.train(path, progress=progress)
    assert "resume=auto" in " ".join(getattr(caught.value, "__notes__", []))
    assert checkpoint_step(output) == 8
    assert not (output / "model.safetensors").exists()

    summary = minnow.train(path, overrides=["resume=auto"])
    assert checkpoint_step(output) == 12
    _, straight, straight_summary, _ = straight_run
    assert (output / "model.safetensors").read_bytes() == (straight / "model.safetensors").read_bytes()
    assert summary["test_top1"] == straight_summary["test_top1"]


def test_an_exception_in_progress_stops_the_run_and_is_raised(data_dir, tmp_path):
    def progress(record):
        if record["type"] == "step" and record["global_step"] == 3:
            raise ValueError("enough")

    with pytest.raises(ValueError, match="enough"):
        minnow.train(tiny_config(data_dir, tmp_path / "run"), progress=progress)
    assert checkpoint_step(tmp_path / "run") == 3


def test_sigint_from_outside_stops_a_run(data_dir, tmp_path):
    """Ctrl-C as a terminal sends it, to a run with no progress callback: only the check after
    each step (PyErr_CheckSignals, with the GIL) can see it."""
    output = tmp_path / "run"
    config = tiny_config(data_dir, output, epochs=200)
    script = textwrap.dedent("""
        import json, sys
        import minnow
        try:
            minnow.train(json.loads(sys.argv[1]))
            print("finished", flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script, json.dumps(config)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (output / "config.yaml").exists() and time.monotonic() < deadline:  # written as run() starts
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    assert "interrupted" in out.splitlines() and "finished" not in out.splitlines() and child.returncode == 0
    assert 1 <= checkpoint_step(output) < 200 * 6


@pytest.mark.parametrize("change, overrides", [
    (lambda c: c["optimizer"].update(lrr=0.1), []),
    (lambda c: None, ["optimizer.lr=-1"]),
    (lambda c: c["data"].update(train=["/nonexistent/minnow-data"]), []),
])
def test_a_bad_config_raises_the_cli_message(data_dir, tmp_path, change, overrides):
    config = tiny_config(data_dir, tmp_path / "run")
    change(config)
    path = tmp_path / "bad.yaml"
    path.write_text(minnow.config_yaml(config))
    cli = run_cli("train", path, *[arg for o in overrides for arg in ("--set", o)], check=False)
    assert cli.returncode == 1
    with pytest.raises(minnow.Error) as caught:
        minnow.train(path, overrides=overrides)
    assert isinstance(caught.value, RuntimeError)
    assert cli.stderr == f"minnow: error: {caught.value}\n"


def test_progress_must_be_callable(data_dir, tmp_path):
    with pytest.raises(TypeError, match="progress must be a callable or None, not list"):
        minnow.train(tiny_config(data_dir, tmp_path / "run"), progress=[])


def test_a_bad_dict_names_the_dict(data_dir, tmp_path):
    config = tiny_config(data_dir, tmp_path / "run")
    config["optimizer"]["lrr"] = 0.1
    with pytest.raises(minnow.Error, match=r"^config dict:\d+: unknown key 'optimizer.lrr'"):
        minnow.train(config)
    with pytest.raises(minnow.Error, match="expected a dict, list"):
        minnow.train(dict(config, seed={1, 2}))

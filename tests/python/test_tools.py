"""minnow.stats, minnow.export and minnow.convert_int8 against `minnow stats --json`, `minnow
export` and `minnow eval --int8` / `minnow export --format int8` on the same inputs."""
import json

import numpy as np
import pytest

import minnow
from conftest import normalised_test_images, read_safetensors, run_cli, tiny_config


def test_stats_equals_stats_json():
    args = dict(width=0.25, resolution=32, num_classes=10, small_input=True)
    cli = json.loads(run_cli("stats", "--model", "mobilenet_v2", "--width", "0.25", "--resolution", "32",
                             "--num-classes", "10", "--small-input", "--json").stdout)
    ours = minnow.stats("mobilenet_v2", **args)
    assert ours.pop("latency_ms") > 0 and cli.pop("latency_ms") > 0
    assert ours == cli
    assert "shufflenet_v2_x1_0" in minnow.model_names()


def test_export_equals_the_cli_export(straight_run, tmp_path):
    _, output, _, _ = straight_run
    result = minnow.export(output, tmp_path / "py.safetensors")
    run_cli("export", output, "-o", tmp_path / "cli.safetensors")
    assert (tmp_path / "py.safetensors").read_bytes() == (tmp_path / "cli.safetensors").read_bytes()
    assert result["checkpoint"] == str(output / "last.safetensors") and result["model"] == "mobilenet_v1"
    with pytest.raises(minnow.Error) as caught:
        minnow.export(output, tmp_path / "x.tflite", format="tflite")
    cli = run_cli("export", output, "-o", tmp_path / "x.tflite", "--format", "tflite", check=False)
    assert cli.stderr == f"minnow: error: {caught.value}\n"


@pytest.fixture(scope="module")
def qat_run(data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("qat")
    config = tiny_config(data_dir, folder / "run", epochs=1, qat=True)
    minnow.train(config)
    path = folder / "run.yaml"
    path.write_text(minnow.config_yaml(config))
    return path, folder / "run"


def test_convert_int8_equals_eval_int8_and_export_int8(qat_run, data_dir, tmp_path):
    config, output = qat_run
    checkpoint = output / "last.safetensors"
    int8 = minnow.convert_int8(minnow.load(checkpoint), batch=16)
    images = normalised_test_images(data_dir)
    logits = np.concatenate([int8.forward(images[i:i + 16]) for i in range(0, 32, 16)])
    result = minnow.evaluate(config, checkpoint, int8=True, logits=True)
    np.testing.assert_array_equal(logits, result["logits"])
    assert set(result) >= {"fake_quant_top1", "argmax_agreement"}

    run_cli("export", output, "--format", "int8", "-o", tmp_path / "int8.safetensors")
    exported, _ = read_safetensors(tmp_path / "int8.safetensors")
    tensors = dict(minnow.convert_int8(minnow.load(checkpoint)).tensors())
    assert sorted(tensors) == sorted(exported)
    for name, array in tensors.items():
        assert not array.flags.writeable, name
        np.testing.assert_array_equal(array, exported[name], err_msg=name)


def test_convert_int8_needs_a_qat_model(straight_run):
    _, output, _, _ = straight_run
    with pytest.raises(minnow.Error, match="needs a QAT-trained model"):
        minnow.convert_int8(minnow.load(output / "model.safetensors"))

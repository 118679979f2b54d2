"""minnow.load and its Model: forward equals `minnow eval --save-logits` on the same weights and
data; minnow.evaluate equals `minnow eval --json`; parameters and buffers are the file's
tensors, views of the model's storage where its layout is plain (writes reach the model) and
read-only copies elsewhere; modes; errors as minnow.Error."""
import json

import numpy as np
import pytest

import minnow
from conftest import normalised_test_images, read_safetensors, run_cli, tiny_config


@pytest.fixture(scope="module")
def trained(straight_run, tmp_path_factory):
    """The straight run's config as a YAML file, and its exported weights."""
    config, output, _, _ = straight_run
    path = tmp_path_factory.mktemp("model") / "run.yaml"
    path.write_text(minnow.config_yaml(config))
    return path, output / "model.safetensors"


def batched_forward(model, images, batch=16):
    return np.concatenate([model.forward(images[i:i + batch]) for i in range(0, len(images), batch)])


def test_forward_equals_eval_save_logits(trained, data_dir, tmp_path):
    config, weights = trained
    run_cli("eval", config, "--weights", weights, "--save-logits", tmp_path / "logits.safetensors")
    expected = read_safetensors(tmp_path / "logits.safetensors")[0]["logits"]
    assert expected.shape == (32, 4)

    images = normalised_test_images(data_dir)
    logits = batched_forward(minnow.load(weights), images)  # the export records its model section
    assert logits.dtype == np.float32 and logits.shape == (32, 4)
    np.testing.assert_array_equal(logits, expected)
    np.testing.assert_array_equal(batched_forward(minnow.load(weights, config=config), images), expected)


def test_evaluate_equals_eval_json(trained, tmp_path):
    config, weights = trained
    cli = json.loads(run_cli("eval", config, "--weights", weights, "--json").stdout)
    result = minnow.evaluate(config, weights, logits=True)
    logits = result.pop("logits")
    assert result == cli
    run_cli("eval", config, "--weights", weights, "--save-logits", tmp_path / "logits.safetensors")
    np.testing.assert_array_equal(logits, read_safetensors(tmp_path / "logits.safetensors")[0]["logits"])
    folded = minnow.evaluate(config, weights, fold=True)
    assert folded == json.loads(run_cli("eval", config, "--weights", weights, "--json", "--fold").stdout)
    assert folded["unfolded_top1"] == cli["top1"] and folded["folded_batch_norms"] > 0


def is_view(array):
    return array.base is not None and type(array.base).__name__ == "PyCapsule"


def test_parameters_and_buffers_are_the_files_tensors(trained):
    _, weights = trained
    model = minnow.load(weights)
    tensors, _ = read_safetensors(weights)
    named = model.named_parameters() + model.named_buffers()
    assert sorted(name for name, _ in named) == sorted(tensors)
    for name, array in named:
        np.testing.assert_array_equal(array, tensors[name], err_msg=name)
        assert is_view(array) and array.flags.writeable, name  # loaded weights are plain until a forward


def test_views_where_plain_copies_elsewhere_and_writes_reach_the_model(trained, data_dir):
    _, weights = trained
    model = minnow.load(weights)
    images = normalised_test_images(data_dir)[:16]
    before = model.forward(images)
    params = model.named_parameters()
    for name, array in params:
        assert array.flags.writeable == is_view(array), name
    assert any(not is_view(array) for _, array in params)  # a convolution's weights in a blocked layout
    assert all(is_view(array) for name, array in params if array.ndim == 1)  # BN and the classifier's bias

    name, bias = params[-1]
    assert name.endswith("bias") and bias.shape == (4,)
    bias += 1.0
    np.testing.assert_allclose(model.forward(images), before + 1.0, rtol=1e-6, atol=1e-5)


def test_modes(trained, data_dir):
    _, weights = trained
    model = minnow.load(weights)
    images = normalised_test_images(data_dir)[:16]
    assert not model.training and "eval mode" in repr(model)
    inference = model.forward(images)
    assert model.train() is model and model.training
    assert not np.array_equal(model(images), inference)  # batch statistics
    assert model.eval() is model and not model.training
    assert model.name == "mobilenet_v1" and model.num_parameters > 0 and model.weights_format == "minnow export"
    assert "resolution: 12" in model.config


def test_errors_are_minnow_errors(trained, data_dir, tmp_path):
    config, weights = trained
    with pytest.raises(minnow.Error, match="no such file"):
        minnow.load(tmp_path / "missing.safetensors")
    model = minnow.load(weights)
    with pytest.raises(minnow.Error, match=r"expected images \(N, 1, H, W\), got \[2, 3, 12, 12\]"):
        model.forward(np.zeros((2, 3, 12, 12), np.float32))
    with pytest.raises(minnow.Error, match="pass config= with them"):
        minnow.load(weights, overrides=["model.num_classes=10"])
    with pytest.raises(minnow.Error, match="wrong shape"):
        minnow.load(weights, config=config, overrides=["model.num_classes=10"])

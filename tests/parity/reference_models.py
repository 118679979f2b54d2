"""The PyTorch model behind a minnow zoo name, for torchvision_models.py and torchvision_interop.py:
torchvision.models.<name> without weights (with ZOO_KWARGS where torchvision's defaults build
another form), or, for a family torchvision lacks, the definition written from its paper in this
folder (xception: xception_reference.py)."""
import pathlib
import sys

import torchvision

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import xception_reference  # noqa: E402

PAPER_MODELS = {"xception": xception_reference.xception}

# The torchvision arguments that make a model minnow's zoo model of the same name: minnow's
# googlenet has no auxiliary heads (torchvision's class default has them) and is initialised
# by torchvision's init_weights (None warns and means True).
ZOO_KWARGS = {"googlenet": {"aux_logits": False, "init_weights": True}}


def torch_model(name, **kwargs):
    """name(**kwargs) from PAPER_MODELS, else torchvision.models.name(weights=None, **ZOO_KWARGS[name], **kwargs)."""
    if name in PAPER_MODELS:
        return PAPER_MODELS[name](**kwargs)
    return getattr(torchvision.models, name)(weights=None, **{**ZOO_KWARGS.get(name, {}), **kwargs})

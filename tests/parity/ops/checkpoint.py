"""PyTorch reference for ops/checkpoint: DenseNet's bottleneck segment (concat, train-mode batch
norm without running statistics, ReLU, 1x1 conv) under torch.utils.checkpoint, as torchvision's
memory-efficient _DenseLayer runs it."""
import torch
import torch.nn.functional as F
import torch.utils.checkpoint


def dense_bottleneck_checkpoint(t, a):
    def segment(x0, x1, gamma, beta, w):
        x = torch.cat([x0, x1], 1)
        return F.conv2d(F.relu(F.batch_norm(x, None, None, gamma, beta, training=True)), w)

    return {"y": torch.utils.checkpoint.checkpoint(segment, t["x0"], t["x1"], t["gamma"], t["beta"], t["w"],
                                                   use_reentrant=False)}


OPS = {"dense_bottleneck_checkpoint": dense_bottleneck_checkpoint}

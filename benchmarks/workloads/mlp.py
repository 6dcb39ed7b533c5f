"""W4 mlp: 784-1024-1024-10, batch 256, one extra Linear -> relu. Compute-bound: overhead vanishes."""

from ..checks import MLPCheck
from .mlp_models import MLPConfig, impls

NAME = "mlp"
CONFIG = MLPConfig(n_in=784, n_hidden=1024, n_out=10, batch=256, extra=1)
IMPLS = impls(CONFIG)
CHECK = MLPCheck(train_steps=20)
TARGET_SCALE = 2.5  # ~0.25 s per repeat: a step takes tens of ms
REPEATS_SCALE = 0.5  # fewer repeats keep a full run under ~10 minutes
MEMORY_SCALE = 0.1  # 20 steps in the peak-memory child

"""W3 tiny_mlp: 16-16-1 with BN and dropout, batch 8. Dispatch-bound: framework overhead shows."""

from ..checks import MLPCheck
from .mlp_models import MLPConfig, impls

NAME = "tiny_mlp"
CONFIG = MLPConfig(n_in=16, n_hidden=16, n_out=1, batch=8, extra=0)
IMPLS = impls(CONFIG)
CHECK = MLPCheck(train_steps=200)

from __future__ import annotations

import os
from typing import Optional

import jax.numpy as jnp
import purify


@purify.stateful
class Acc:
    def __init__(self, name: Optional[str] = None):
        self.name = name or os.sep
        self.total = jnp.zeros(())

    def add(self, x):
        self.total = self.total + x
        return self.total

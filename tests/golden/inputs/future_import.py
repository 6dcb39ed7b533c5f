#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""A shebang, an encoding cookie, a docstring and `from __future__`."""

from __future__ import annotations

import purify; import jax.numpy as jnp


@purify.stateful
class Acc:
    def __init__(self):
        self.total = jnp.zeros(())

    def add(self, x):
        self.total = self.total + x
        return self.total

# Ported to JAX with purify from river 0.26.1's river/stats/var.py, as its authors wrote it:
# @purify.stateful added, NumPy swapped for jax.numpy where it touches traced values, and
# every line purify forces on a line of its own ending in `# purify: why`.
# `python -m examples.ported.count` diffs this file against the installed library's.
#
# The library's license (BSD-3-Clause):
#
# BSD 3-Clause License
#
# Copyright (c) 2020, the river developers
# All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions are met:
#
# 1. Redistributions of source code must retain the above copyright notice, this
#    list of conditions and the following disclaimer.
#
# 2. Redistributions in binary form must reproduce the above copyright notice,
#    this list of conditions and the following disclaimer in the documentation
#    and/or other materials provided with the distribution.
#
# 3. Neither the name of the copyright holder nor the names of its
#    contributors may be used to endorse or promote products derived from
#    this software without specific prior written permission.
#
# THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
# AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
# IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
# DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
# FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
# DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
# SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
# CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
# OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
# OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
# --- end of the license; the library's file follows ---

from __future__ import annotations

import copy

import jax.numpy as np  # jax: update_many takes a traced batch

import purify
from .. import river_stats as stats  # jax: the ported Mean, not river's


@purify.stateful
class Var(stats.base.Univariate):
    """Running variance using Welford's algorithm.

    Parameters
    ----------
    ddof
        Delta Degrees of Freedom. The divisor used in calculations is `n - ddof`, where `n`
        represents the number of seen elements.

    Attributes
    ----------
    mean
        It is necessary to calculate the mean of the data in order to calculate its variance.

    Notes
    -----
    The outcomes of the incremental and parallel updates are consistent with numpy's
    batch processing when $\\text{ddof} \\le 1$.

    Examples
    --------

    >>> from river import stats

    >>> X = [3, 5, 4, 7, 10, 12]

    >>> var = stats.Var()
    >>> for x in X:
    ...     var.update(x)
    ...     print(var.get())
    0.0
    2.0
    1.0
    2.916666
    7.7
    12.56666

    You can measure a rolling variance by using a `utils.Rolling` wrapper:

    >>> from river import utils

    >>> X = [1, 4, 2, -4, -8, 0]
    >>> rvar = utils.Rolling(stats.Var, window_size=3, ddof=1)
    >>> for x in X:
    ...     rvar.update(x)
    ...     print(rvar.get())
    0.0
    4.5
    2.333333
    17.333333
    25.333333
    16.0

    References
    ----------
    [^1]: [Wikipedia article on algorithms for calculating variance](https://www.wikiwand.com/en/Algorithms_for_calculating_variance#/Covariance)
    [^2]: [Chan, T.F., Golub, G.H. and LeVeque, R.J., 1983. Algorithms for computing the sample variance: Analysis and recommendations. The American Statistician, 37(3), pp.242-247.](https://amstat.tandfonline.com/doi/abs/10.1080/00031305.1983.10483115)
    [^3]: Schubert, E. and Gertz, M., 2018, July. Numerically stable parallel computation of
    (co-)variance. In Proceedings of the 30th International Conference on Scientific and
    Statistical Database Management (pp. 1-12).

    """

    def __init__(self, ddof: int = 1) -> None:
        self.ddof = ddof
        self.mean = stats.Mean()
        self._S = 0.0

    @property
    def n(self) -> float:
        return self.mean.n

    def update(self, x: float, w: float = 1.0) -> None:
        mean_old = self.mean._mean
        self.mean.update(x, w)
        mean_new = self.mean._mean
        self._S += w * (x - mean_old) * (x - mean_new)

    def revert(self, x: float, w: float = 1.0) -> None:
        mean_old = self.mean._mean
        self.mean.revert(x, w)
        mean_new = self.mean._mean
        self._S -= w * (x - mean_old) * (x - mean_new)

    def update_many(self, X: np.ndarray) -> None:
        mean_old = self.mean.get()
        self.mean.update_many(X)
        mean_new = self.mean.get()
        self._S += np.sum(np.multiply(np.subtract(X, mean_old), np.subtract(X, mean_new)))  # jax: no .item()

    def get(self) -> float:
        if self.n > self.ddof:
            return self._S / (self.n - self.ddof)
        return 0.0

    @classmethod
    def _from_state(cls, n: float, m: float, var: float, *, ddof: int = 1) -> Var:
        new = cls(ddof=ddof)
        new.mean = stats.Mean._from_state(n, m)  # noqa
        # scale the second order statistic
        new._S = (n - ddof) * var

        return new

    def __iadd__(self, other: Var) -> Var:
        S = (
            self._S
            + other._S
            + (self.mean.get() - other.mean.get()) ** 2 * self.n * other.n / (self.n + other.n)
        )
        self.mean += other.mean
        self._S = S
        return self

    def __add__(self, other: Var) -> Var:
        result = copy.deepcopy(self)
        result += other
        return result

    def __isub__(self, other: Var) -> Var:
        self.mean -= other.mean

        S = (
            self._S
            - other._S
            - (self.mean.get() - other.mean.get()) ** 2
            * self.n
            * other.mean.n
            / (self.n + other.mean.n)
        )
        self._S = S

        return self

    def __sub__(self, other: Var) -> Var:
        result = copy.deepcopy(self)
        result -= other
        return result

"""Helpers that generated code calls. `purify convert` copies their source into the
emitted module (which never imports purify), so each is self-contained."""

from __future__ import annotations

from typing import Any


def _setitem(container: Any, index: Any, value: Any) -> Any:
    """`container[index] = value` without mutating `container`: a new container.

    JAX arrays use `.at[index].set(value)`; NumPy arrays, lists, dicts and tuples
    are copied, so NumPy state ported from eager code keeps working. A NumPy array written
    with a value (or at an index) JAX traces becomes a JAX array, as `jnp.asarray(a)` under
    `jax.jit` makes of the state it is passed: a NumPy array cannot hold a tracer.
    """
    if isinstance(container, dict):
        return {**container, index: value}
    if isinstance(container, tuple):
        items = list(container)
        items[index] = value
        return type(container)(*items) if hasattr(container, "_fields") else tuple(items)
    if isinstance(container, list):
        items = list(container)
        items[index] = value
        return items
    if hasattr(container, "at"):
        return container.at[index].set(value)
    if _traced(index, value):
        # (not `import jax.numpy as jnp`: in a converted module that would rebind the module's names)
        from jax.numpy import asarray

        return asarray(container).at[index].set(value)
    new = container.copy()
    new[index] = value
    return new


def _traced(*values: Any) -> bool:
    from jax.core import Tracer
    from jax.tree_util import tree_leaves

    return any(isinstance(leaf, Tracer) for leaf in tree_leaves(values))


def _deepcopy(state: Any) -> Any:
    """`copy.deepcopy(self)` in a pure method: the State with its containers and NumPy arrays
    anew, as Python's deep copy shares nothing that can change in place (a list or NumPy array
    the caller changes in the copy must not change the original). JAX arrays cannot change in
    place (and a tracer has no copy), so they are kept."""
    import jax
    import numpy as np

    return jax.tree_util.tree_map(lambda x: x.copy() if isinstance(x, np.ndarray) else x, state)


def _split(state: Any) -> tuple[Any, Any]:
    """`(params, rest)`: two states of the same type and nesting; each holds `None`
    where the other holds the value. Parameters are the fields marked
    `purify.param(...)`; a state with none anywhere treats every floating-point
    array as a parameter. Static fields are kept in both."""
    # An object of a @stateful class (e.g. a child passed to __init__) splits as its State.
    state = getattr(state, "__purify_state__", state)
    if not _has_params(state):
        return _split_inexact(state)
    return _split_marked(state)


def _is_state(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_cls") and hasattr(type(value), "_fields")


def _has_params(value: Any) -> bool:
    if _is_state(value):
        return bool(type(value)._params) or any(_has_params(v) for v in value)
    if isinstance(value, (tuple, list)):
        return any(_has_params(v) for v in value)
    return False


def _split_marked(value: Any) -> tuple[Any, Any]:
    if _is_state(value):
        cls = type(value)
        params, rest = {}, {}
        for name, v in zip(cls._fields, value):
            if name in cls._params:
                params[name], rest[name] = v, None
            elif name in getattr(cls, "_static", ()):
                params[name] = rest[name] = v
            else:
                params[name], rest[name] = _split_marked(v)
        return cls(**params), cls(**rest)
    if isinstance(value, (tuple, list)) and (not value or any(_is_state(v) for v in value)):
        # An empty list of children splits into two empty lists, as a full one would.
        pairs = [_split_marked(v) for v in value]
        return type(value)(p for p, _ in pairs), type(value)(r for _, r in pairs)
    return None, value


def _split_inexact(state: Any) -> tuple[Any, Any]:
    import jax
    import jax.numpy as jnp

    def floating(x: Any) -> bool:
        # A Python float is a parameter too: under jit it is a traced float array, and a state
        # must split the same way eagerly and compiled.
        return isinstance(x, (float, complex)) or hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.inexact)

    leaves, tree = jax.tree_util.tree_flatten(state)
    params = [x if floating(x) else None for x in leaves]
    rest = [None if floating(x) else x for x in leaves]
    return jax.tree_util.tree_unflatten(tree, params), jax.tree_util.tree_unflatten(tree, rest)


def _merge(params: Any, rest: Any) -> Any:
    """Inverse of `_split`: take each leaf from `params` where it is not None, else from `rest`."""
    import jax

    return jax.tree_util.tree_map(lambda p, r: r if p is None else p, params, rest,
                                  is_leaf=lambda x: x is None)


def _value_and_grad(fn: Any, has_aux: bool, state: Any, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """`((value, grads), new_state)` of a pure method `fn(state, ...) -> (out, state)`,
    differentiated with respect to the state's parameters. Updates the method
    makes to the other state (batch statistics, RNG counters) are kept."""
    import jax

    params, rest = _split(state)

    def loss(p: Any) -> Any:
        out, new = fn(_merge(p, rest), *args, **kwargs)
        if has_aux:
            value, aux = out
            return value, (aux, new)
        return out, (None, new)

    (value, (aux, new)), grads = jax.value_and_grad(loss, has_aux=True)(params)
    return ((value, aux) if has_aux else value, grads), new


def _grad(fn: Any, has_aux: bool, state: Any, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """`(grads, new_state)`, or `((grads, aux), new_state)` with `has_aux`; see `_value_and_grad`."""
    (value, grads), new = _value_and_grad(fn, has_aux, state, *args, **kwargs)
    return ((grads, value[1]) if has_aux else grads), new


def _register_state(state: Any, data_fields: list, meta_fields: list, opaque_fields: list = ()) -> None:  # type: ignore[assignment]
    """Register a State as `jax.tree_util.register_dataclass` does, except that a static value
    that is not hashable (a `purify.static(spaces.Box(...))`) is compared by identity in JAX's
    compilation cache, as a function (an optax optimizer) is: one compilation per object.

    `opaque_fields` (data fields only `__init__` writes, with an object a library builds) are
    decided by their value: leaves while every leaf is one JAX traces, else metadata (configuration,
    such as gymnasium's `spaces.Discrete(2)`), with `None` in their place among the leaves."""
    import numpy as np
    from jax import Array, tree_util
    from jax.extend import core as jax_core

    kinds: dict[type, bool] = {}  # a leaf's type -> whether JAX traces it (asked once per type)

    def jax_type(leaf: Any) -> bool:
        if isinstance(leaf, (Array, np.ndarray, np.generic, int, float, complex)):
            return True
        try:
            return bool(jax_core.valid_jaxtype(leaf))
        except Exception:  # noqa: BLE001 - JAX refusing the object is the answer
            return False

    def traceable(value: Any) -> bool:
        kind = kinds.get(type(value))
        if kind is not None:
            return kind
        leaves = tree_util.tree_leaves(value)
        if len(leaves) == 1 and leaves[0] is value:  # a leaf: its type decides
            kind = kinds[type(value)] = jax_type(value)
            return kind
        return all(jax_type(x) for x in leaves)

    class ByIdentity:
        __slots__ = ("value",)

        def __init__(self, value: Any) -> None:
            self.value = value

        def __eq__(self, other: object) -> bool:
            return isinstance(other, ByIdentity) and other.value is self.value

        def __hash__(self) -> int:
            return id(self.value)

    def meta(value: Any) -> Any:
        try:
            hash(value)
        except TypeError:
            return ByIdentity(value)
        return value

    opaque = set(opaque_fields)

    def parts(s: Any) -> tuple[list, tuple]:
        """The leaves (None in an opaque field's place while it holds configuration) and the
        metadata: the static fields', then per opaque field () while it is leaves, (its value,)."""
        data, extra = [], []
        for f in data_fields:
            value = getattr(s, f)
            if f in opaque:
                config = not traceable(value)
                extra.append((meta(value),) if config else ())
                value = None if config else value
            data.append(value)
        return data, tuple(meta(getattr(s, f)) for f in meta_fields) + tuple(extra)

    def flatten_with_keys(s: Any) -> tuple[list, tuple]:
        data, metas = parts(s)
        return [(tree_util.GetAttrKey(f), v) for f, v in zip(data_fields, data)], metas

    def flatten(s: Any) -> tuple[list, tuple]:
        if not opaque:
            return [getattr(s, f) for f in data_fields], tuple(meta(getattr(s, f)) for f in meta_fields)
        return parts(s)

    def unflatten(found: tuple, data: Any) -> Any:
        values = dict(zip(data_fields, data))
        values.update((f, m.value if isinstance(m, ByIdentity) else m) for f, m in zip(meta_fields, found))
        for f, m in zip(opaque_fields, found[len(meta_fields):]):
            if m:
                values[f] = m[0].value if isinstance(m[0], ByIdentity) else m[0]
        return state(**values)

    tree_util.register_pytree_with_keys(state, flatten_with_keys, unflatten, flatten)

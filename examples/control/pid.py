"""simple-pid's `PID` controller, ported to JAX: output clamping and a manual/auto mode switch.

The class below is `simple_pid.PID` (simple-pid 2.0.1, MIT License, Copyright (c) 2018-2023
Martin Lundberg, https://github.com/m-lundberg/simple-pid) with these edits, each marked
`# port:` in the code:

* Time comes in as `dt` (simple-pid's way for simulations): a jitted step cannot read the wall
  clock, so `time_fn` and `_last_time` are gone, and `dt` is a required argument.
* The property setters (`pid.tunings = ...`, `pid.auto_mode = ...`, `pid.output_limits = ...`)
  are gone: purify refuses setters, which run code on a plain assignment. `set_auto_mode` (already
  in simple-pid) switches the mode; tunings and limits are set in `__init__`.
* "No value yet" is the flag `_has_output` instead of `None` in `_last_output`, `_last_input`
  and `_last_error`: the state of a compiled step has one structure, so a field cannot be None
  in one branch and an array in the other. The one visible difference: in manual mode before
  any output, the port returns 0.0 where simple-pid returns None.
* `_clamp` is a method of the class instead of a module function, so that purify converts its
  `if`/`elif` too (purify rewrites the methods of the class, not the functions they call).
* The check that `dt` is positive comes before the manual-mode return, not after it: a `raise`
  cannot live inside a branch on the traced mode. So a non-positive `dt` raises in manual mode too.
* NumPy does not appear in simple-pid; the error message of a negative `dt` is an f-string.
  Nothing else changed.

    python -m examples.control.pid
"""

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class PID:
    """A simple PID controller."""

    def __init__(
        self,
        Kp=1.0,
        Ki=0.0,
        Kd=0.0,
        setpoint=0,
        sample_time=0.01,
        output_limits=(None, None),
        auto_mode=True,
        proportional_on_measurement=False,
        differential_on_measurement=True,
        error_map=None,
        starting_output=0.0,
    ):
        """
        Initialize a new PID controller.

        :param Kp: The value for the proportional gain Kp
        :param Ki: The value for the integral gain Ki
        :param Kd: The value for the derivative gain Kd
        :param setpoint: The initial setpoint that the PID will try to achieve
        :param sample_time: The time in seconds which the controller should wait before generating
            a new output value. If set to None, the PID will compute a new output value every time
            it is called.
        :param output_limits: The initial output limits to use, given as an iterable with 2
            elements, for example: (lower, upper). The output will never go below the lower limit
            or above the upper limit. Either of the limits can also be set to None to have no limit
            in that direction. Setting output limits also avoids integral windup, since the
            integral term will never be allowed to grow outside of the limits.
        :param auto_mode: Whether the controller should be enabled (auto mode) or not (manual mode)
        :param proportional_on_measurement: Whether the proportional term should be calculated on
            the input directly rather than on the error (which is the traditional way).
        :param differential_on_measurement: Whether the differential term should be calculated on
            the input directly rather than on the error (which is the traditional way).
        :param error_map: Function to transform the error value in another constrained value.
        :param starting_output: The starting point for the PID's output.
        """
        self.Kp, self.Ki, self.Kd = Kp, Ki, Kd
        self.setpoint = setpoint
        self.sample_time = sample_time

        self._auto_mode = auto_mode
        self.proportional_on_measurement = proportional_on_measurement
        self.differential_on_measurement = differential_on_measurement
        self.error_map = error_map

        # port: the output_limits setter, inlined (its _clamp calls act on the zeros below)
        if output_limits is None:
            output_limits = (None, None)
        min_output, max_output = output_limits
        if (None not in output_limits) and (max_output < min_output):
            raise ValueError('lower limit must be less than upper limit')
        self._min_output = min_output
        self._max_output = max_output

        self._proportional = 0.0
        self._integral = 0.0
        self._derivative = 0.0

        self._last_output = 0.0  # port: 0.0 and _has_output = False instead of None
        self._last_error = 0.0
        self._last_input = 0.0
        self._has_output = False

        self.reset()

        # Set initial state of the controller
        self._integral = self._clamp(starting_output, self.output_limits)

    def _clamp(self, value, limits):
        lower, upper = limits
        if value is None:
            return None
        elif (upper is not None) and (value > upper):
            return upper
        elif (lower is not None) and (value < lower):
            return lower
        return value

    def __call__(self, input_, dt):
        """
        Update the PID controller.

        Call the PID controller with *input_* and calculate and return a control output if
        sample_time seconds has passed since the last update. If no new output is calculated,
        return the previous output instead.

        :param dt: The time step (port: required; simple-pid reads the clock when it is None).
        """
        # port: the check of dt comes first (simple-pid makes it after the manual-mode return): a
        # raise cannot live inside a branch on the traced mode, and dt is a Python value
        if dt <= 0:
            raise ValueError(f'dt has negative value {dt}, must be positive')

        if not self.auto_mode:
            return self._last_output

        if self.sample_time is not None and dt < self.sample_time and self._has_output:
            # Only update every sample_time seconds
            return self._last_output

        # Compute error terms
        error = self.setpoint - input_
        d_input = input_ - (self._last_input if self._has_output else input_)
        d_error = error - (self._last_error if self._has_output else error)

        # Check if must map the error
        if self.error_map is not None:
            error = self.error_map(error)

        # Compute the proportional term
        if not self.proportional_on_measurement:
            # Regular proportional-on-error, simply set the proportional term
            self._proportional = self.Kp * error
        else:
            # Add the proportional error on measurement to error_sum
            self._proportional -= self.Kp * d_input

        # Compute integral and derivative terms
        self._integral += self.Ki * error * dt
        self._integral = self._clamp(self._integral, self.output_limits)  # Avoid integral windup

        if self.differential_on_measurement:
            self._derivative = -self.Kd * d_input / dt
        else:
            self._derivative = self.Kd * d_error / dt

        # Compute final output
        output = self._proportional + self._integral + self._derivative
        output = self._clamp(output, self.output_limits)

        # Keep track of state
        self._last_output = output
        self._last_input = input_
        self._last_error = error
        self._has_output = True

        return output

    @property
    def components(self):
        """
        The P-, I- and D-terms from the last computation as separate components as a tuple. Useful
        for visualizing what the controller is doing or when tuning hard-to-tune systems.
        """
        return self._proportional, self._integral, self._derivative

    @property
    def tunings(self):
        """The tunings used by the controller as a tuple: (Kp, Ki, Kd)."""
        return self.Kp, self.Ki, self.Kd

    @property
    def auto_mode(self):
        """Whether the controller is currently enabled (in auto mode) or not."""
        return self._auto_mode

    def set_auto_mode(self, enabled, last_output=None):
        """
        Enable or disable the PID controller, optionally setting the last output value.

        This is useful if some system has been manually controlled and if the PID should take over.
        In that case, disable the PID by setting auto mode to False and later when the PID should
        be turned back on, pass the last output variable (the control variable) and it will be set
        as the starting I-term when the PID is set to auto mode.

        :param enabled: Whether auto mode should be enabled, True or False
        :param last_output: The last output, or the control variable, that the PID should start
            from when going from manual mode to auto mode. Has no effect if the PID is already in
            auto mode.
        """
        if enabled and not self._auto_mode:
            # Switching from manual mode to auto, reset
            self.reset()

            self._integral = last_output if (last_output is not None) else 0.0
            self._integral = self._clamp(self._integral, self.output_limits)

        self._auto_mode = enabled

    @property
    def output_limits(self):
        """
        The current output limits as a 2-tuple: (lower, upper).

        See also the *output_limits* parameter in :meth:`PID.__init__`.
        """
        return self._min_output, self._max_output

    def reset(self):
        """
        Reset the PID controller internals.

        This sets each term to 0 as well as clearing the integral, the last output and the last
        input (derivative calculation).
        """
        self._proportional = 0.0
        self._integral = 0.0
        self._derivative = 0.0

        self._integral = self._clamp(self._integral, self.output_limits)

        self._has_output = False  # port: simple-pid sets _last_output, _last_input, _last_error to None


def boiler(temperature, power, dt):
    """The plant of simple-pid's README: a water boiler heated by the controller's output,
    cooling towards the 20-degree room."""
    return temperature + power * dt - 0.02 * (temperature - 20.0) * dt


DT = 0.1
MANUAL = range(40, 60)  # steps run in manual mode: the controller holds its last output


def run_eager(start=20.0, setpoint=60.0, steps=100):
    pid = PID(5.0, 0.5, 0.1, setpoint=setpoint, sample_time=None, output_limits=(0, 100))
    temperature, outputs = start, []
    for i in range(steps):
        if i == MANUAL.start:
            pid.set_auto_mode(False)
        if i == MANUAL.stop:
            pid.set_auto_mode(True, last_output=outputs[-1])
        power = pid(temperature, DT)
        outputs.append(float(power))
        temperature = boiler(temperature, power, DT)
    return outputs, temperature


def run_pure(start=20.0, setpoint=60.0, steps=100):
    """The same loop on the pure API, as one `lax.scan`: jit it, vmap it over start temperatures."""
    state = PID.init(5.0, 0.5, 0.1, setpoint=setpoint, sample_time=None, output_limits=(0, 100))

    def one_step(carry, i):
        state, temperature, last = carry
        _, state = PID.set_auto_mode(state, (i < MANUAL.start) | (i >= MANUAL.stop), last)
        power, state = PID.__call__(state, temperature, DT)
        return (state, boiler(temperature, power, DT), power), power

    start = (state, jnp.float32(start), jnp.float32(0.0))
    (state, temperature, _), outputs = jax.lax.scan(one_step, start, jnp.arange(steps))
    return outputs, temperature


def main() -> None:
    outputs, temperature = run_eager()
    print(f"eager: boiler at {float(temperature):.3f} after 100 steps; outputs 38-42 {[round(o, 3) for o in outputs[38:43]]}")
    jitted, temperature_jit = jax.jit(run_pure)(20.0)
    print(f"jax.jit: boiler at {float(temperature_jit):.3f}; outputs 38-42 {[round(float(o), 3) for o in jitted[38:43]]}")
    assert jnp.allclose(jnp.array(outputs), jitted, atol=1e-3), "jitted outputs differ from eager"
    _, temperatures = jax.jit(jax.vmap(run_pure))(jnp.array([10.0, 20.0, 50.0, 80.0]))
    print("jax.vmap over boilers starting at 10, 20, 50, 80: now at", [round(float(t), 2) for t in temperatures])


if __name__ == "__main__":
    main()

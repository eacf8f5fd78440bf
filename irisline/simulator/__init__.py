"""The call simulator: `irisline call` (one call in the terminal, interactive or scripted)
and its load mode (many simulated callers). Both drive the emulator's TwiML interpreter
against the app, in-process or at a URL."""

from .session import CallReport, Simulator, SimulatorError

__all__ = ["CallReport", "Simulator", "SimulatorError"]

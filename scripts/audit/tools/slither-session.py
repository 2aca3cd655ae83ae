"""One Slither load for the audit's two Slither stages.

Run with the provisioned venv's python (scripts/audit/stages/slither-session.ts starts it through
exec.ts, so time limits, process groups and interrupts apply):

    python slither-session.py JOB.json

JOB.json (written by slither-session.ts):

    {
      "slither": {"argv": [...]},                   # the `slither` command line, without the program
      "upgradeability": {                           # the `slither-check-upgradeability` runs
        "checksFile": ".../list-detectors.json",    # what `--list-detectors-json` prints
        "runs": [{"name": "Staking-vs-LoadBalancer", "argv": [...],
                  "stdout": ".../x.stdout.log", "stderr": ".../x.stderr.log"}]
      },
      "status": ".../session-status.json"           # written last: each part's exit code
    }

Either part may be absent. Nothing here reimplements Slither: each part runs the tool's own entry
point (slither.__main__.main, slither.tools.upgradeability.__main__.main) on the argv it would have
been given, and only the two names those modules use to load the build are replaced:

- with a `slither` part, slither's main loads the build as usual (crytic-compile's compile_all, then
  Slither(compilation, ...)); right after the load, and before the detectors run, every
  upgradeability run executes on that same Slither object. If the load fails, each run receives the
  error its own load would have raised (InvalidCompilation wrapped as Slither does it), so its JSON
  says `success: false` with that message, or it crashes the same way.
- without one, the first upgradeability run loads the build (Slither(target, ...), as the tool
  does) and the later runs reuse the object (or its error).

If the runs' crytic-compile options differ from slither's (never with the audit's own jobs), they
load the build themselves instead of sharing it. Each run's stdout, stderr and log records go to its
own files, as when it was its own process; its JSON goes where its `--json` says.

Exit code: the slither part's (255 when it found something or failed, as the CLI), else 0.
"""

import argparse
import contextlib
import json
import logging
import sys
import traceback

from crytic_compile import cryticparser
from crytic_compile.platform.exceptions import InvalidCompilation

import slither.__main__ as slither_main
from slither.exceptions import SlitherError
from slither.slither import Slither


def upgradeability_tool():
    """slither-check-upgradeability's main module, imported when a comparison needs it (its checks import web3)."""
    import slither.tools.upgradeability.__main__ as module  # pylint: disable=import-outside-toplevel

    return module


def exit_status(code):
    """The process exit status sys.exit(code) would give."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def load_error_seen_by_upgradeability(error):
    """What Slither(target) raises in slither-check-upgradeability for a load that failed with `error`."""
    if isinstance(error, InvalidCompilation):
        # slither/slither.py wraps crytic-compile's error this way when it compiles the target itself.
        return SlitherError(f"Invalid compilation: \n{error!s}")
    return error


class SharedLoad:
    """The one Slither object (or the error loading it) the upgradeability runs receive."""

    def __init__(self):
        self.instance = None
        self.error = None
        self.loaded = False

    def provide(self, target, **kwargs):
        # Called by slither-check-upgradeability's main in place of Slither(target, **kwargs).
        if not self.loaded:
            self.loaded = True
            try:
                self.instance = Slither(target, **kwargs)
            except Exception as error:  # pylint: disable=broad-except
                self.error = error
        if self.error is not None:
            raise self.error
        return self.instance


def crytic_options():
    parser = argparse.ArgumentParser()
    cryticparser.init(parser)
    return sorted({a.dest for a in parser._actions if a.dest != "help"})  # pylint: disable=protected-access


def parse_with(parse, argv):
    saved = sys.argv
    sys.argv = argv
    try:
        return parse()
    finally:
        sys.argv = saved


def same_load(slither_argv, run_argv):
    """Whether an upgradeability run would load the build exactly as slither does (target and crytic-compile options)."""
    detectors, printers = slither_main.get_detectors_and_printers()
    ours = vars(parse_with(lambda: slither_main.parse_args(detectors, printers), ["slither", *slither_argv]))
    tool = upgradeability_tool()
    theirs = vars(parse_with(lambda: tool.parse_args(tool._get_checks()), ["slither-check-upgradeability", *run_argv]))  # pylint: disable=protected-access
    if ours["filename"] != theirs["contract.sol"]:
        return "the target differs"
    for dest in crytic_options():
        if ours.get(dest) != theirs.get(dest):
            return f"crytic-compile option {dest} differs"
    return None


def run_upgradeability(runs, provide):
    """Runs each slither-check-upgradeability invocation in turn; returns {name: exit status}."""
    statuses = {}
    root = logging.getLogger()
    upgradeability_main = upgradeability_tool() if runs else None
    for run in runs:
        with open(run["stdout"], "w", encoding="utf8") as out, open(run["stderr"], "w", encoding="utf8") as err:
            handler = logging.StreamHandler(err)
            handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT))
            saved_handlers, saved_argv = root.handlers, sys.argv
            root.handlers = [handler]
            sys.argv = ["slither-check-upgradeability", *run["argv"]]
            upgradeability_main.Slither = provide
            status = 0
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        upgradeability_main.main()
                    except SystemExit as stop:
                        status = exit_status(stop.code)
                    except Exception:  # pylint: disable=broad-except
                        # The tool would have died here with this traceback.
                        traceback.print_exc()
                        status = 1
            finally:
                root.handlers, sys.argv = saved_handlers, saved_argv
                upgradeability_main.Slither = Slither
        statuses[run["name"]] = status
    return statuses


def write_checks(path):
    tool = upgradeability_tool()
    checks = tool.output_detectors_json(tool._get_checks())  # pylint: disable=protected-access
    with open(path, "w", encoding="utf8") as f:
        json.dump(checks, f)


def run_slither_with_upgradeability(slither_argv, runs, statuses):
    """slither's own main; the upgradeability runs go right after its load. Returns slither's exit status."""
    real_compile_all = slither_main.compile_all
    pending = list(runs)

    def runs_on(provide):
        if pending:
            statuses.update(run_upgradeability(pending, provide))
            pending.clear()

    def failed_load(error):
        seen = load_error_seen_by_upgradeability(error)

        def provide(target, **kwargs):
            raise seen

        return provide

    separate = same_load(slither_argv, runs[0]["argv"]) if runs else None
    if separate:
        print(f"slither-session: the upgradeability runs load the build themselves: {separate}", file=sys.stderr)
        runs_on(SharedLoad().provide)

    def compile_all(target, **kwargs):
        try:
            compilations = real_compile_all(target, **kwargs)
        except Exception as error:
            runs_on(failed_load(error))
            raise
        if len(compilations) != 1:
            # Several compilations: the upgradeability tool loads the target as one; let it.
            runs_on(SharedLoad().provide)
        return compilations

    def load(target, **kwargs):
        try:
            instance = Slither(target, **kwargs)
        except Exception as error:
            runs_on(failed_load(error))
            raise
        runs_on(lambda _target, **_kwargs: instance)
        return instance

    slither_main.compile_all = compile_all
    slither_main.Slither = load
    saved_argv = sys.argv
    sys.argv = ["slither", *slither_argv]
    try:
        slither_main.main()
        status = 0
    except SystemExit as stop:
        status = exit_status(stop.code)
    except Exception:  # pylint: disable=broad-except
        traceback.print_exc()
        status = 1
    finally:
        sys.argv = saved_argv
        slither_main.compile_all = real_compile_all
        slither_main.Slither = Slither
    # slither stopped before loading anything (a bad option): the runs load the build themselves.
    runs_on(SharedLoad().provide)
    return status


def main():
    with open(sys.argv[1], encoding="utf8") as f:
        job = json.load(f)
    upgradeability = job.get("upgradeability") or {"runs": []}
    runs = upgradeability["runs"]
    if upgradeability.get("checksFile"):
        write_checks(upgradeability["checksFile"])
    statuses = {}
    slither_status = None
    if job.get("slither"):
        slither_status = run_slither_with_upgradeability(job["slither"]["argv"], runs, statuses)
    else:
        statuses = run_upgradeability(runs, SharedLoad().provide)
    with open(job["status"], "w", encoding="utf8") as f:
        json.dump({"slither": slither_status, "upgradeability": statuses}, f)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(slither_status or 0)


if __name__ == "__main__":
    main()

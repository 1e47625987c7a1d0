"""TCP_NODELAY for MiniStack's Lambda Runtime API servers (docs/ministack-tcp-nodelay.md).

localstack/lib.sh puts this folder on PYTHONPATH for the emulator process only, so Python
imports this module at start-up, before MiniStack. MiniStack serves each function's Lambda
Runtime API with `http.server` (a `socketserver.StreamRequestHandler`), which writes a
response's headers and its body in two separate `send()`s. With Nagle's algorithm on, the
body waits for the ACK of the headers, which the bootstrap's TCP stack delays by about
40 ms: every event handed to a function paid that. Turning Nagle off on those connections
sends the body at once. Nothing in site-packages is edited.
"""

import importlib.machinery
import importlib.util
import os
import socket
import socketserver
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_setup = socketserver.StreamRequestHandler.setup


def _setup_nodelay(self):
    _setup(self)
    # Only TCP has the option (a Unix-socket server would refuse it).
    if self.connection.family in (socket.AF_INET, socket.AF_INET6):
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


socketserver.StreamRequestHandler.setup = _setup_nodelay

# The emulator's own child processes (Python Lambda runtimes, if any) do not need this.
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != _HERE]
if _paths:
    os.environ["PYTHONPATH"] = os.pathsep.join(_paths)
else:
    os.environ.pop("PYTHONPATH", None)

# This module shadows any other `sitecustomize` (a distribution's); run that one too.
_others = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
_spec = importlib.machinery.PathFinder.find_spec("sitecustomize", _others)
if _spec is not None and _spec.loader is not None and _spec.origin != __file__:
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)

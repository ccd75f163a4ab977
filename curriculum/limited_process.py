"""Run one function in a long-lived child process with a time and a memory limit, so a runaway
call (a pathological document, say) costs one error answer, not a stuck or swollen web worker.

The child is forked from the already warm parent and kept for the next call. A call that runs
over its time, or that runs out of its memory, ends the child; the next call forks a fresh one.
Linux only (it reads /proc), like the servers Groupwork is deployed on.
"""

import faulthandler
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

# Signals a gunicorn worker handles (to finish its request, reload, and so on); in the child
# they must simply end it.
INHERITED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP,
                     signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGCHLD)


class LimitExceeded(Exception):
    """The call took too long or needed too much memory; the message says which."""


def _address_space() -> int:
    """This process's virtual memory in bytes: the figure RLIMIT_AS limits."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _out_of_memory() -> bool:
    try:
        bytearray(16 * 1024 * 1024)
    except MemoryError:
        return True
    return False


def _close_inherited_files(keep: int) -> None:
    """Close every descriptor the fork copied but our pipe and stdio: the worker's listening
    socket, database connections, a test runner's pipes. Held open here, they would keep
    those alive after their owner closed them (a port still bound, a pipe that never ends)."""
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    os.closerange(3, keep)
    os.closerange(keep + 1, limit if limit != resource.RLIM_INFINITY else 65536)


def _serve(function: Callable[..., Any], connection: Connection, parents_end: Connection,
           allowance: int) -> None:
    """The child: answer calls until the parent goes away (or memory runs out)."""
    parents_end.close()  # else our own copy keeps the pipe open and we never see EOF
    _close_inherited_files(keep=connection.fileno())
    for number in INHERITED_SIGNALS:  # the web server's handlers are not ours to run
        signal.signal(number, signal.SIG_DFL)
    faulthandler.disable()  # a render stopped for its memory is expected, not a crash report
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_address_space() + allowance, hard))
    while True:
        try:
            args = connection.recv()
        except EOFError:
            return
        try:
            connection.send(("ok", function(*args)))
        except Exception as error:  # reported to the parent, which raises it there
            # Out of memory shows as MemoryError, or as whatever a C library makes of a
            # failed malloc (SystemError, say): if a modest allocation fails now, it was.
            if isinstance(error, MemoryError) or _out_of_memory():
                connection.send(("memory", None))
                return  # the heap may be half-torn: the next call gets a fresh child
            connection.send(("error", f"{type(error).__name__}: {error}"))


class LimitedProcess:
    """Calls ``function`` in a child process, one call at a time."""

    def __init__(self, function: Callable[..., Any], memory_allowance_mb: int) -> None:
        self.function = function
        self.allowance = memory_allowance_mb * 1024 * 1024
        self._lock = threading.Lock()
        self._child: BaseProcess | None = None
        self._connection: Connection | None = None
        self._owner = 0  # the pid that forked the child: a forked copy of us must not use it

    def start(self) -> None:
        """Fork the child now (at worker start-up) rather than on the first call."""
        with self._lock:
            self._ensure_child()

    def close(self) -> None:
        """End the child (if this process started it)."""
        with self._lock:
            if self._owner == os.getpid():
                self._end_child()

    def call(self, *args: Any, timeout: float) -> Any:
        """The function's result, or :class:`LimitExceeded`; its own errors come back as
        RuntimeError with the original's name and message."""
        with self._lock:
            connection = self._ensure_child()
            connection.send(args)
            if not connection.poll(timeout):
                self._end_child()
                raise LimitExceeded(f"it took longer than {timeout:g} seconds")
            try:
                status, value = connection.recv()
            except EOFError:  # the child died: the kernel or the allocator stopped it
                self._end_child()
                raise LimitExceeded("it needed more memory than allowed") from None
            if status == "memory":
                self._end_child()
                raise LimitExceeded("it needed more memory than allowed")
            if status == "error":
                raise RuntimeError(value)
            return value

    def _ensure_child(self) -> Connection:
        alive = (self._owner == os.getpid() and self._child is not None
                 and self._child.is_alive() and self._connection is not None)
        if not alive:
            if self._owner == os.getpid():
                self._end_child()
            parent_end, child_end = multiprocessing.Pipe()
            self._child = multiprocessing.get_context("fork").Process(
                target=_serve, args=(self.function, child_end, parent_end, self.allowance),
                daemon=True, name="groupwork-pdf")
            self._child.start()
            child_end.close()
            self._connection, self._owner = parent_end, os.getpid()
        assert self._connection is not None
        return self._connection

    def _end_child(self) -> None:
        if self._child is not None and self._child.is_alive():
            self._child.kill()
        if self._child is not None:
            self._child.join()
        if self._connection is not None:
            self._connection.close()
        self._child = self._connection = None

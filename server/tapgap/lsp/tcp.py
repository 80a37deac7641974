"""The ``--tcp`` address: loopback only (no pygls import: the CLI checks it before loading the server)."""

from __future__ import annotations

import ipaddress


def parse_tcp(value: str) -> tuple[str, int]:
    """``HOST:PORT`` with a loopback host; ValueError otherwise."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"{value!r}: expected HOST:PORT")
    host = host.strip("[]")
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"{host}: only a loopback address may be served (127.0.0.1, ::1, localhost)")
    number = int(port)
    if not 0 <= number < 65536:  # 0: any free port (the daemon writes the one it got to daemon.json)
        raise ValueError(f"{port}: not a port number")
    return host, number

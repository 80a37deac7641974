// Runs `<server> --version` before the language client starts it: a missing module or a broken install
// then gives a clear message instead of a client that dies during `initialize`.

import { execFile } from "node:child_process";
import { type ServerCommand, versionArgs } from "./command";

export type ProbeResult = { ok: true; version: string } | { ok: false; detail: string };

export function probeServer(server: ServerCommand, timeoutMs = 15_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      server.command,
      versionArgs(server),
      { timeout: timeoutMs, windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ ok: true, version: stdout.trim() });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
          resolve({ ok: false, detail: `${server.command}: not found` });
        } else if (error.killed) {
          resolve({ ok: false, detail: `no answer within ${timeoutMs / 1000} s` });
        } else {
          resolve({ ok: false, detail: stderr.trim() || stdout.trim() || error.message });
        }
      },
    );
  });
}

// Shared by the tests: throwaway folders, fake executables, and waiting for the extension to settle.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tapgap-${prefix}-`));
}

/** An executable shell script `name` in `dir` running `body` (node is given by its absolute path). */
export function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A `tapgap` (or any name) that runs the fake server with its arguments. */
export function fakeTapgap(dir: string, name = "tapgap"): string {
  const server = path.join(__dirname, "fixtures", "fake-server.js");
  return script(dir, name, `exec "${process.execPath}" "${server}" "$@"`);
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

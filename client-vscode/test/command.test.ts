import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Environment,
  expand,
  findExecutable,
  probeFailure,
  resolveServerCommand,
  serveArgs,
  versionArgs,
} from "../src/command";

function env(executables: string[], overrides: Partial<Environment> = {}): Environment {
  const present = new Set(executables);
  return {
    pathVariable: "/usr/local/bin:/usr/bin",
    platform: "linux",
    home: "/home/me",
    workspaceFolder: "/work/app",
    isExecutable: (file) => present.has(file),
    ...overrides,
  };
}

test("serverPath set and executable: used as it is", () => {
  const resolution = resolveServerCommand({ serverPath: "/opt/tapgap/bin/tapgap" }, env(["/opt/tapgap/bin/tapgap"]));
  assert.deepEqual(resolution, {
    ok: true,
    server: { command: "/opt/tapgap/bin/tapgap", prefix: [], source: "setting" },
  });
});

test("serverPath relative, with ~ or ${workspaceFolder}: expanded before the check", () => {
  const found = env(["/work/app/.venv/bin/tapgap", "/home/me/bin/tapgap"]);
  for (const [setting, expected] of [
    [".venv/bin/tapgap", "/work/app/.venv/bin/tapgap"],
    ["${workspaceFolder}/.venv/bin/tapgap", "/work/app/.venv/bin/tapgap"],
    ["~/bin/tapgap", "/home/me/bin/tapgap"],
  ] as const) {
    const resolution = resolveServerCommand({ serverPath: setting }, found);
    assert.ok(resolution.ok, setting);
    assert.equal(resolution.server.command, expected, setting);
  }
});

test("serverPath a bare name: looked up on PATH", () => {
  const resolution = resolveServerCommand({ serverPath: "tapgap-dev" }, env(["/usr/bin/tapgap-dev"]));
  assert.ok(resolution.ok);
  assert.equal(resolution.server.command, "/usr/bin/tapgap-dev");
});

test("serverPath set but missing: an error naming the setting, never another tapgap", () => {
  const resolution = resolveServerCommand(
    { serverPath: "/nope/tapgap" },
    env(["/usr/bin/tapgap", "/usr/bin/python3"]),
  );
  assert.equal(resolution.ok, false);
  assert.ok(!resolution.ok);
  assert.match(resolution.missing.problem, /tapgap\.serverPath is "\/nope\/tapgap"/);
  assert.match(resolution.missing.fix, /clear it to use tapgap from PATH/);
});

test("no serverPath: tapgap from the first PATH entry that has it", () => {
  const resolution = resolveServerCommand(
    { serverPath: "  ", interpreter: ["/venv/bin/python"] },
    env(["/usr/bin/tapgap", "/usr/local/bin/tapgap"]),
  );
  assert.deepEqual(resolution, { ok: true, server: { command: "/usr/local/bin/tapgap", prefix: [], source: "path" } });
  assert.ok(resolution.ok);
  assert.deepEqual(serveArgs(resolution.server), ["serve"]);
  assert.deepEqual(versionArgs(resolution.server), ["--version"]);
});

test("no tapgap on PATH: python -m tapgap with the selected interpreter, its own arguments kept", () => {
  const resolution = resolveServerCommand(
    { serverPath: "", interpreter: ["/opt/conda/bin/conda", "run", "-n", "db"] },
    env(["/usr/bin/python3"]),
  );
  assert.ok(resolution.ok);
  assert.deepEqual(resolution.server, {
    command: "/opt/conda/bin/conda",
    prefix: ["run", "-n", "db", "-m", "tapgap"],
    source: "interpreter",
  });
  assert.deepEqual(serveArgs(resolution.server), ["run", "-n", "db", "-m", "tapgap", "serve"]);
});

test("no tapgap and no selected interpreter: python3, then python, from PATH", () => {
  const withPython3 = resolveServerCommand({ serverPath: "" }, env(["/usr/bin/python3", "/usr/bin/python"]));
  assert.ok(withPython3.ok);
  assert.equal(withPython3.server.command, "/usr/bin/python3");
  const withPython = resolveServerCommand({ serverPath: "" }, env(["/usr/bin/python"]));
  assert.ok(withPython.ok);
  assert.equal(withPython.server.command, "/usr/bin/python");
  assert.equal(withPython.server.source, "interpreter");
});

test("nothing at all: an error that says how to install tapgap", () => {
  const resolution = resolveServerCommand({ serverPath: "" }, env([]));
  assert.ok(!resolution.ok);
  assert.match(resolution.missing.problem, /not on PATH and there is no Python interpreter/);
  assert.match(resolution.missing.fix, /pip install tapgap/);
  assert.match(resolution.missing.fix, /tapgap\.serverPath/);
});

test("Windows: PATH separated by ';' and PATHEXT extensions tried", () => {
  const windows = env(["C:\\Python\\Scripts\\tapgap.EXE"], {
    platform: "win32",
    pathVariable: "C:\\Windows;C:\\Python\\Scripts",
    pathExt: ".COM;.EXE",
    workspaceFolder: "C:\\work",
  });
  assert.equal(findExecutable("tapgap", windows), "C:\\Python\\Scripts\\tapgap.EXE");
  assert.equal(expand(".venv\\Scripts\\tapgap", windows), "C:\\work\\.venv\\Scripts\\tapgap");
});

test("an empty PATH entry is not the editor's current folder", () => {
  assert.equal(findExecutable("tapgap", env(["tapgap"], { pathVariable: ":/usr/bin" })), undefined);
});

test("a failed probe of an interpreter names the module error and the pip command", () => {
  const missing = probeFailure(
    { command: "/venv/bin/python", prefix: ["-m", "tapgap"], source: "interpreter" },
    "Traceback...\n/venv/bin/python: No module named tapgap\n",
  );
  assert.equal(
    missing.problem,
    "The selected Python interpreter cannot run tapgap (/venv/bin/python -m tapgap: /venv/bin/python: No module named tapgap)",
  );
  assert.match(missing.fix, /\/venv\/bin\/python -m pip install tapgap/);
});

test("a failed probe of a configured executable points at the setting", () => {
  const missing = probeFailure({ command: "/opt/tapgap", prefix: [], source: "setting" }, "");
  assert.equal(missing.problem, "/opt/tapgap does not run (it exited with an error)");
  assert.match(missing.fix, /tapgap\.serverPath/);
});

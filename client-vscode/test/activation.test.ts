// The activation path against the mocked `vscode` module and a real vscode-languageclient talking to a fake
// `tapgap serve` process (test/fixtures/fake-server.ts).

import { EventEmitter, mock, Uri } from "./mock/vscode";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, test } from "node:test";
import type * as vscode from "vscode";
import { activate, deactivate, type TapgapApi } from "../src/extension";
import { fakeTapgap, script, tempDir, waitFor } from "./helpers";

const originalPath = process.env.PATH;
let context: { subscriptions: { dispose(): unknown }[] } | undefined;

interface Seen {
  argv: string[];
  cwd: string;
  pid: number;
  initializationOptions: unknown;
  configurations: unknown[];
}

function project(): string {
  const root = tempDir("project");
  fs.writeFileSync(path.join(root, "schema.sql"), "create table t (id int primary key);\n");
  return root;
}

async function start(settings: Record<string, unknown>, pathDirs: string[], reset = true): Promise<TapgapApi> {
  if (reset) {
    mock.reset();
  }
  mock.workspaceFolder = project();
  for (const [key, value] of Object.entries(settings)) {
    mock.settings.set(key, value);
  }
  process.env.PATH = pathDirs.join(path.delimiter);
  context = { subscriptions: [] };
  const api = activate(context as unknown as vscode.ExtensionContext);
  await api.ready;
  return api;
}

async function seen(api: TapgapApi): Promise<Seen> {
  assert.ok(api.client, "the client is running");
  return api.client.sendRequest<Seen>("fake/log");
}

afterEach(async () => {
  await deactivate();
  for (const item of context?.subscriptions ?? []) {
    item.dispose();
  }
  context = undefined;
  process.env.PATH = originalPath;
});

test("activation starts tapgap from PATH with the settings as initialization options", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  const api = await start({ "tapgap.level": "strict", "tapgap.configPath": "ci/tapgap.toml" }, [bin]);

  assert.equal(api.state.state, "running");
  assert.equal(api.server?.source, "path");
  assert.equal(api.server?.command, path.join(bin, "tapgap"));
  const log = await seen(api);
  assert.deepEqual(log.argv, ["serve"]);
  assert.equal(fs.realpathSync(log.cwd), fs.realpathSync(mock.workspaceFolder ?? ""));
  assert.deepEqual(log.initializationOptions, {
    level: "strict",
    configPath: path.join(mock.workspaceFolder ?? "", "ci", "tapgap.toml"),
  });
  assert.equal(mock.status.text, "$(beaker) tapgap 25.0%");
  assert.match(String(mock.status.tooltip), /at the strict level: 1 of 4 requirements/);
  assert.equal(mock.status.command, "tapgap.showGaps");
  assert.ok(mock.status.visible);
  assert.deepEqual(mock.messages, [], "no error or warning was shown");
});

test("diagnostics published by the server reach the editor", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  await start({}, [bin]);
  const uri = `file://${mock.workspaceFolder}/schema.sql`;
  await waitFor("the diagnostics", () => mock.diagnostics.has(uri));
  const [diagnostic] = mock.diagnostics.get(uri) ?? [];
  assert.equal(diagnostic?.message, "index app.tasks_due_idx: no test checks that it exists");
  assert.equal(diagnostic?.severity, 1); // vscode.DiagnosticSeverity.Warning
  assert.equal(diagnostic?.range.start.line, 4);
});

test("a changed level is sent to the running server and the status bar follows", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  const api = await start({ "tapgap.level": "strict" }, [bin]);
  const pid = (await seen(api)).pid;
  assert.equal(mock.status.text, "$(beaker) tapgap 25.0%");

  mock.changeSettings({ "tapgap.level": "configured" });
  await waitFor("the server to get the new settings", async () => (await seen(api)).configurations.length > 0);
  const log = await seen(api);
  assert.deepEqual(log.configurations, [{ tapgap: { level: null, configPath: null } }]);
  assert.equal(log.pid, pid, "the same server process");
  await waitFor("the status bar", () => mock.status.text === "$(beaker) tapgap 50.0%");
  assert.match(String(mock.status.tooltip), /at the normal level/);
});

test("a changed serverPath restarts the server with the new command", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  const api = await start({}, [bin]);
  const pid = (await seen(api)).pid;
  const other = fakeTapgap(tempDir("other"), "tapgap-dev");

  mock.changeSettings({ "tapgap.serverPath": other });
  await waitFor("the restart", () => api.server?.command === other && api.state.state === "running");
  await api.ready;
  assert.equal(api.server?.source, "setting");
  assert.notEqual((await seen(api)).pid, pid);
});

test("the restart command starts a new server process", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  const api = await start({}, [bin]);
  const before = (await seen(api)).pid;
  await mock.commands.get("tapgap.restartServer")?.();
  assert.equal(api.state.state, "running");
  const after = (await seen(api)).pid;
  assert.notEqual(after, before);
  assert.throws(() => process.kill(before, 0), "the old server is gone");
});

test("show gaps lists the gaps in a quick pick and opens the chosen object", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  await start({}, [bin]);
  mock.choose = 0;
  await mock.commands.get("tapgap.showGaps")?.();

  const [pick] = mock.quickPicks;
  assert.deepEqual(
    (pick?.items as { label: string; detail: string }[]).map(({ label, detail }) => ({ label, detail })),
    [{ label: "app.tasks_due_idx", detail: "schema.sql:5" }],
  );
  assert.match(String((pick?.options as { title: string }).title), /1 untested object at the normal level/);
  const [shown] = mock.shownDocuments;
  assert.equal(shown?.uri, `file://${mock.workspaceFolder}/schema.sql`);
  assert.deepEqual({ ...shown?.selection?.start }, { line: 4, character: 0 });
});

test("a code lens's tapgap.showObject lists the object's evidence and opens the chosen assertion", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  await start({}, [bin]);
  // vscode-languageclient registers the server's commands; the lens runs it with the object key.
  const showObject = mock.commands.get("tapgap.showObject");
  assert.ok(showObject, "the server's command is registered");
  mock.choose = 1;
  await showObject("app.tasks_due_idx");

  const labels = (mock.quickPicks[0]?.items as { label: string }[]).map((item) => item.label);
  assert.deepEqual(labels, ["$(symbol-field) app.tasks_due_idx", "$(beaker) has_index"]);
  const [shown] = mock.shownDocuments;
  assert.equal(shown?.uri, `file://${mock.workspaceFolder}/tests/tasks.test.sql`);
  assert.deepEqual({ ...shown?.selection?.start }, { line: 6, character: 7 });
});

test("a serverPath that does not exist shows the error with its fix, and no client", async () => {
  const api = await start({ "tapgap.serverPath": "/nonexistent/bin/tapgap" }, [tempDir("empty")]);

  assert.equal(api.client, undefined);
  assert.equal(api.state.state, "failed");
  assert.equal(mock.status.text, "$(error) tapgap");
  assert.equal(mock.status.command, "tapgap.showOutput");
  const [error] = mock.messages;
  assert.equal(error?.severity, "error");
  assert.match(error?.text ?? "", /tapgap\.serverPath is "\/nonexistent\/bin\/tapgap", which is not an executable file/);
  assert.match(error?.text ?? "", /clear it to use tapgap from PATH/);
  assert.deepEqual(error?.actions, ["Open settings", "Show output"]);
  assert.ok(mock.output.some((line) => line.startsWith("[error] tapgap.serverPath")));
});

test("without tapgap and without Python the error says how to install tapgap", async () => {
  const api = await start({}, [tempDir("empty")]);

  assert.equal(api.state.state, "failed");
  const [error] = mock.messages;
  assert.match(error?.text ?? "", /tapgap is not on PATH and there is no Python interpreter to run it with/);
  assert.match(error?.text ?? "", /pip install tapgap/);
});

test("an interpreter without tapgap gives the module error and the pip command for that interpreter", async () => {
  const bin = tempDir("bin");
  const python = script(bin, "python3", 'echo "/usr/bin/python3: No module named tapgap" >&2; exit 1');
  const api = await start({}, [bin]);

  assert.equal(api.state.state, "failed");
  assert.equal(api.server?.source, "interpreter");
  const [error] = mock.messages;
  assert.match(error?.text ?? "", /The selected Python interpreter cannot run tapgap/);
  assert.match(error?.text ?? "", /No module named tapgap/);
  assert.ok(error?.text.includes(`${python} -m pip install tapgap`), error?.text);
});

test("without tapgap on PATH the server runs as python -m tapgap with the configured interpreter", async () => {
  const server = path.join(__dirname, "fixtures", "fake-server.js");
  // The interpreter drops "-m tapgap" as Python would, and runs the fake server with the rest.
  const python = script(tempDir("venv"), "python", `shift 2; exec "${process.execPath}" "${server}" "$@"`);
  const api = await start({ "python.defaultInterpreterPath": python }, [tempDir("empty")]);

  assert.equal(api.state.state, "running", JSON.stringify(mock.messages));
  assert.deepEqual(api.server, { command: python, prefix: ["-m", "tapgap"], source: "interpreter" });
  assert.deepEqual((await seen(api)).argv, ["serve"]);
});

test("the Python extension's selected interpreter runs the server, and selecting another restarts it", async () => {
  const server = path.join(__dirname, "fixtures", "fake-server.js");
  const first = script(tempDir("venv1"), "python", `shift 2; exec "${process.execPath}" "${server}" "$@"`);
  const second = script(tempDir("venv2"), "python", `shift 2; exec "${process.execPath}" "${server}" "$@"`);
  let selected = first;
  const selectionChanged = new EventEmitter<unknown>();
  mock.reset();
  mock.pythonExtension = {
    isActive: true,
    exports: {
      environments: {
        getActiveEnvironmentPath: () => ({ path: selected }),
        resolveEnvironment: async (environment: { path: string }) => ({
          executable: { uri: Uri.file(environment.path) },
        }),
        onDidChangeActiveEnvironmentPath: selectionChanged.event,
      },
    },
  };
  const api = await start({ "python.defaultInterpreterPath": "/not/this/one" }, [tempDir("empty")], false);
  assert.equal(api.state.state, "running", JSON.stringify(mock.messages));
  assert.equal(api.server?.command, first);
  const pid = (await seen(api)).pid;

  selected = second;
  selectionChanged.fire({ path: second });
  await waitFor("the restart", () => api.server?.command === second && api.state.state === "running");
  await api.ready;
  assert.notEqual((await seen(api)).pid, pid);
});

test("without a folder no server starts and nothing is reported; opening one starts it", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  mock.reset();
  process.env.PATH = bin;
  context = { subscriptions: [] };
  const api = activate(context as unknown as vscode.ExtensionContext);
  await api.ready;
  assert.equal(api.client, undefined);
  assert.equal(mock.status.visible, false);
  assert.deepEqual(mock.messages, []);

  mock.workspaceFolder = project();
  mock.foldersChanged.fire({});
  await waitFor("the start", () => api.state.state === "running");
  await api.ready;
  assert.equal(mock.status.visible, true);
  assert.equal(fs.realpathSync((await seen(api)).cwd), fs.realpathSync(mock.workspaceFolder));
});

test("a server that crashes is started again and the status bar shows its coverage again", async () => {
  const bin = tempDir("bin");
  fakeTapgap(bin);
  const api = await start({}, [bin]);
  const client = api.client;
  const before = (await seen(api)).pid;
  await client?.sendNotification("fake/crash");

  await waitFor("a new server process", async () => {
    try {
      return api.state.state === "running" && client?.isRunning() === true && (await seen(api)).pid !== before;
    } catch {
      return false; // between the crash and the new process
    }
  });
  await waitFor("the coverage", () => mock.status.text === "$(beaker) tapgap 50.0%");
  assert.equal(api.client, client, "the same client restarted its server");
});

// The extension against the real `tapgap serve` of this checkout (TAPGAP_SERVER, set by scripts/test.sh) on
// a copy of the bundled example project: what the fake server stands for in the other tests holds for the
// real one.

import { mock } from "./mock/vscode";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import type * as vscode from "vscode";
import { activate, deactivate } from "../src/extension";
import { tempDir, waitFor } from "./helpers";

const server = process.env.TAPGAP_SERVER;
const examples = path.resolve(__dirname, "..", "..", "..", "examples");
const context = { subscriptions: [] as { dispose(): unknown }[] };

after(async () => {
  await deactivate();
  context.subscriptions.forEach((item) => item.dispose());
});

test(
  "with the real tapgap serve: coverage at the chosen level, diagnostics, a level change and the gaps",
  { skip: server === undefined ? "TAPGAP_SERVER is not set (scripts/test.sh sets it)" : false, timeout: 120_000 },
  async () => {
    const root = tempDir("example");
    fs.cpSync(examples, root, { recursive: true });
    mock.reset();
    mock.workspaceFolder = root;
    mock.settings.set("tapgap.serverPath", server);
    mock.settings.set("tapgap.level", "strict");
    const api = activate(context as unknown as vscode.ExtensionContext);
    await api.ready;

    assert.equal(api.state.state, "running", JSON.stringify(mock.messages));
    assert.equal(api.server?.source, "setting");
    assert.match(mock.status.text, /^\$\(beaker\) tapgap \d+\.\d%$/);
    assert.match(String(mock.status.tooltip), /at the strict level/);
    const strict = mock.status.text;

    await waitFor("diagnostics", () => [...mock.diagnostics.values()].some((list) => list.length > 0), 60_000);
    const messages = [...mock.diagnostics.values()].flat().map((diagnostic) => diagnostic.message);
    assert.ok(messages.some((message) => message.includes("no test checks")), messages.join("\n"));

    mock.changeSettings({ "tapgap.level": "lenient" });
    await waitFor("the lenient level", () => /at the lenient level/.test(String(mock.status.tooltip)), 60_000);
    assert.notEqual(mock.status.text, strict, "lenient asks less than strict");

    mock.choose = 0;
    await mock.commands.get("tapgap.showGaps")?.();
    const items = mock.quickPicks[0]?.items as { label: string; detail: string }[];
    assert.ok(items.length > 0);
    const [shown] = mock.shownDocuments;
    assert.ok(shown?.uri.startsWith(`file://${root}/`), shown?.uri);
    assert.ok(fs.existsSync(path.join(root, (items[0]?.detail ?? "").replace(/:\d+$/, ""))));
  },
);

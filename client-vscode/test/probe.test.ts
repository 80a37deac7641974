import assert from "node:assert/strict";
import { test } from "node:test";
import { probeServer } from "../src/probe";
import { fakeTapgap, script, tempDir } from "./helpers";

test("a command that runs tapgap gives its version", async () => {
  const command = fakeTapgap(tempDir("probe"));
  assert.deepEqual(await probeServer({ command, prefix: [], source: "path" }), {
    ok: true,
    version: "tapgap 9.9.9 (fake)",
  });
});

test("a command that fails gives what it printed", async () => {
  const command = script(tempDir("probe"), "python3", 'echo "No module named tapgap" >&2; exit 1');
  assert.deepEqual(await probeServer({ command, prefix: ["-m", "tapgap"], source: "interpreter" }), {
    ok: false,
    detail: "No module named tapgap",
  });
});

test("a command that does not exist says so", async () => {
  const result = await probeServer({ command: "/nonexistent/tapgap", prefix: [], source: "setting" });
  assert.deepEqual(result, { ok: false, detail: "/nonexistent/tapgap: not found" });
});

test("a command that hangs is given up on", async () => {
  const command = script(tempDir("probe"), "tapgap", "sleep 30");
  const result = await probeServer({ command, prefix: [], source: "path" }, 300);
  assert.deepEqual(result, { ok: false, detail: "no answer within 0.3 s" });
});

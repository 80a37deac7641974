import assert from "node:assert/strict";
import { test } from "node:test";
import { needsRestart, readSettings, type Settings, serverOptions } from "../src/settings";

const where = { home: "/home/me", workspaceFolder: "/work/app", platform: "linux" as const };

function read(values: Record<string, unknown>) {
  return readSettings((key) => values[key]);
}

test("unset settings read as their defaults", () => {
  assert.deepEqual(read({}), { settings: { serverPath: "", level: "configured", configPath: "" }, problems: [] });
});

test("defaults become nulls for the server: the project's configuration decides", () => {
  const { settings } = read({ level: "configured", configPath: "" });
  assert.deepEqual(serverOptions(settings, where), { level: null, configPath: null });
});

test("each level is passed through", () => {
  for (const level of ["lenient", "normal", "strict"]) {
    assert.equal(serverOptions(read({ level }).settings, where).level, level);
  }
});

test("an unknown level or a value of the wrong type is reported and ignored", () => {
  const { settings, problems } = read({ level: "paranoid", serverPath: 42 });
  assert.equal(settings.level, "configured");
  assert.equal(settings.serverPath, "");
  assert.deepEqual(problems, [
    'tapgap.level "paranoid" is not one of configured, lenient, normal, strict: the configured level is used',
    "tapgap.serverPath should be a string, not 42: ignored",
  ]);
});

test("configPath is made absolute from the workspace folder, with ~ and ${workspaceFolder} expanded", () => {
  const options = (configPath: string) => serverOptions(read({ configPath }).settings, where).configPath;
  assert.equal(options("ci.toml"), "/work/app/ci.toml");
  assert.equal(options("config/tapgap.toml"), "/work/app/config/tapgap.toml");
  assert.equal(options("${workspaceFolder}/ci.toml"), "/work/app/ci.toml");
  assert.equal(options("~/tapgap.toml"), "/home/me/tapgap.toml");
  assert.equal(options("/etc/tapgap.toml"), "/etc/tapgap.toml");
  assert.equal(options("  "), null);
});

test("only a new serverPath needs a new server process", () => {
  const before: Settings = { serverPath: "", level: "configured", configPath: "" };
  assert.equal(needsRestart(before, { ...before, level: "strict", configPath: "ci.toml" }), false);
  assert.equal(needsRestart(before, { ...before, serverPath: "/opt/tapgap" }), true);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Summary } from "../src/protocol";
import { statusView } from "../src/status";

const summary: Summary = {
  level: "normal",
  total: { kind: "total", objects: 110, requirements: 98, covered: 51, percent: 52.04 },
  kinds: [
    { kind: "table", objects: 5, requirements: 5, covered: 5, percent: 100.0 },
    { kind: "column", objects: 31, requirements: 31, covered: 12, percent: 38.7 },
    { kind: "schema", objects: 2, requirements: 0, covered: 0, percent: 100.0 },
  ],
};

test("running with a summary: the overall percentage, one decimal, and a click lists the gaps", () => {
  const view = statusView({ state: "running", summary });
  assert.equal(view.text, "$(beaker) tapgap 52.0%");
  assert.equal(view.command, "tapgap.showGaps");
  assert.equal(view.error, false);
});

test("the tooltip gives the level, the counts and each kind that has requirements", () => {
  const { tooltip } = statusView({ state: "running", summary });
  assert.equal(
    tooltip,
    [
      "pgTAP coverage at the normal level: 51 of 98 requirements",
      "",
      "table: 100.0% (5/5)",
      "column: 38.7% (12/31)",
      "",
      "Click to list the gaps.",
    ].join("\n"),
  );
});

test("a coverageChanged summary has no level: the last known one is shown", () => {
  const { level: _level, ...changed } = summary;
  assert.match(statusView({ state: "running", summary: changed, level: "strict" }).tooltip, /at the strict level/);
  assert.match(statusView({ state: "running", summary: changed }).tooltip, /^pgTAP coverage: 51 of 98/);
});

test("zero requirements read as 100%", () => {
  const empty: Summary = { total: { kind: "total", objects: 0, requirements: 0, covered: 0, percent: 100 }, kinds: [] };
  assert.equal(statusView({ state: "running", summary: empty }).text, "$(beaker) tapgap 100.0%");
});

test("before the first summary, while starting, stopped or failed: the state, and a click that helps", () => {
  assert.deepEqual(
    [
      statusView({ state: "running" }),
      statusView({ state: "starting" }),
      statusView({ state: "stopped" }),
      statusView({ state: "failed", problem: "tapgap is not on PATH" }),
    ].map(({ text, command, error }) => ({ text, command, error })),
    [
      { text: "$(beaker) tapgap", command: "tapgap.showOutput", error: false },
      { text: "$(sync~spin) tapgap", command: "tapgap.showOutput", error: false },
      { text: "$(circle-slash) tapgap", command: "tapgap.restartServer", error: false },
      { text: "$(error) tapgap", command: "tapgap.showOutput", error: true },
    ],
  );
  assert.match(statusView({ state: "failed", problem: "tapgap is not on PATH" }).tooltip, /tapgap is not on PATH/);
});

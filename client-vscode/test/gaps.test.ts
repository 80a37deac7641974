import assert from "node:assert/strict";
import { test } from "node:test";
import { gapItems, gapsTitle, objectItems } from "../src/gaps";
import type { Gaps, ObjectReport } from "../src/protocol";

const index: ObjectReport = {
  kind: "index",
  key: "app.tasks.tasks_due_date_idx",
  file: "migrations/20240105000000_task_changes.sql",
  range: { start: { line: 39, character: 0 }, end: { line: 39, character: 92 } },
  missing: ["exists"],
  requirements: [{ facet: "exists", covered: false, accepted: false, evidence: [] }],
};

test("each gap is one entry: key, what is missing, and where it is defined (1-based line)", () => {
  const gaps: Gaps = { level: "normal", count: 1, objects: [index] };
  assert.deepEqual(gapItems(gaps), [
    {
      label: "app.tasks.tasks_due_date_idx",
      description: "index: no test checks exists",
      detail: "migrations/20240105000000_task_changes.sql:40",
      target: { file: index.file, range: index.range },
    },
  ]);
  assert.equal(gapsTitle(gaps), "tapgap: 1 untested object at the normal level");
  assert.equal(gapsTitle({ level: "strict", count: 3, objects: [] }), "tapgap: 3 untested objects at the strict level");
});

test("an object lists its definition, then each piece of evidence at its 0-based position", () => {
  const column: ObjectReport = {
    kind: "column",
    key: "app.tasks.priority",
    file: "migrations/a.sql",
    range: { start: { line: 1, character: 0 }, end: { line: 1, character: 69 } },
    missing: [],
    requirements: [
      {
        facet: "exists",
        covered: true,
        accepted: false,
        evidence: [
          { file: "tests/01.test.sql", line: 5, column: 8, by: "has_column", role: null },
          { file: "tests/02.test.sql", line: 9, column: 1, by: "insert", role: "authenticated" },
        ],
      },
    ],
  };
  const items = objectItems(column);
  assert.deepEqual(
    items.map(({ label, description, detail }) => [label, description, detail]),
    [
      ["$(symbol-field) app.tasks.priority", "column: every requirement is covered", "migrations/a.sql:2"],
      ["$(beaker) has_column", "exists", "tests/01.test.sql:5"],
      ["$(beaker) insert", "exists as authenticated", "tests/02.test.sql:9"],
    ],
  );
  assert.deepEqual(items[1]?.target.range.start, { line: 4, character: 7 });
});

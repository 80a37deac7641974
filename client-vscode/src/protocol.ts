// The shapes of tapgap's custom LSP methods (docs/lsp.md, "Custom methods"). Kept free of `vscode` so the
// logic that reads them is testable with node alone.

export type Level = "lenient" | "normal" | "strict";

export const LEVELS: readonly Level[] = ["lenient", "normal", "strict"];

export interface Figures {
  kind: string;
  objects: number;
  requirements: number;
  covered: number;
  percent: number;
}

/** `tapgap/summary` answers with `level`; `tapgap/coverageChanged` sends the same without it. */
export interface Summary {
  level?: Level;
  total: Figures;
  kinds: Figures[];
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Evidence {
  file: string;
  line: number;
  column: number;
  by: string;
  role: string | null;
}

export interface Requirement {
  facet: string;
  covered: boolean;
  accepted: boolean;
  evidence: Evidence[];
}

/** One object as `tapgap/gaps` lists it and `tapgap/object` answers it. */
export interface ObjectReport {
  kind: string;
  key: string;
  /** Relative to the project root. */
  file: string;
  range: Range;
  missing: string[];
  requirements: Requirement[];
}

export interface Gaps {
  level: Level;
  count: number;
  objects: ObjectReport[];
}

export const SUMMARY = "tapgap/summary";
export const GAPS = "tapgap/gaps";
export const COVERAGE_CHANGED = "tapgap/coverageChanged";
export const SHOW_OBJECT = "tapgap.showObject";

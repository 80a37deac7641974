// Quick-pick entries for "tapgap: Show gaps" and for a code lens's object: each entry is a place to jump to.

import type { Gaps, ObjectReport, Range } from "./protocol";

export interface Target {
  /** Relative to the project root. */
  file: string;
  range: Range;
}

export interface PickItem {
  label: string;
  description: string;
  detail: string;
  target: Target;
}

export function gapsTitle(gaps: Gaps): string {
  const noun = gaps.count === 1 ? "object" : "objects";
  return `tapgap: ${gaps.count} untested ${noun} at the ${gaps.level} level`;
}

export function gapItems(gaps: Gaps): PickItem[] {
  return gaps.objects.map((object) => ({
    label: object.key,
    description: `${object.kind}: no test checks ${object.missing.join(", ")}`,
    detail: `${object.file}:${object.range.start.line + 1}`,
    target: { file: object.file, range: object.range },
  }));
}

/** The object's definition first, then every assertion or statement that covers one of its facets. */
export function objectItems(object: ObjectReport): PickItem[] {
  const definition: PickItem = {
    label: `$(symbol-field) ${object.key}`,
    description:
      object.missing.length === 0
        ? `${object.kind}: every requirement is covered`
        : `${object.kind}: no test checks ${object.missing.join(", ")}`,
    detail: `${object.file}:${object.range.start.line + 1}`,
    target: { file: object.file, range: object.range },
  };
  const evidence = object.requirements.flatMap((requirement) =>
    requirement.evidence.map(
      (item): PickItem => ({
        label: `$(beaker) ${item.by}`,
        description: `${requirement.facet}${item.role === null ? "" : ` as ${item.role}`}`,
        detail: `${item.file}:${item.line}`,
        target: {
          file: item.file,
          // Evidence positions are 1-based (as in `tapgap check --format json`); ranges are 0-based.
          range: {
            start: { line: item.line - 1, character: item.column - 1 },
            end: { line: item.line - 1, character: item.column - 1 },
          },
        },
      }),
    ),
  );
  return [definition, ...evidence];
}

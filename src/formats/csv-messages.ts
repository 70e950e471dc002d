// Quarantine wording both CSV engines share (the general parser and the fast scanner must write the same entries).
// No csv-parse here: the fast engine's worker threads load this module.

/** The message of a record with the wrong number of cells. */
export function columnCountMessage(expected: number, found: number): string {
  return `expected ${expected} columns, found ${found}`;
}

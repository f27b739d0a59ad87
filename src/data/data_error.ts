/**
 * A problem with an input file or folder. The message always starts with the
 * path so that a failure deep inside a dataset run still says which case broke.
 */
export class DataError extends Error {
  readonly path: string;

  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(`${path}: ${problem}`, options);
    this.name = 'DataError';
    this.path = path;
  }
}

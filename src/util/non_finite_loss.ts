/** A training step whose loss is NaN or Inf: the run stops before it updates anything. */
export class NonFiniteLossError extends Error {
  constructor(readonly run: string, readonly value: number, readonly step: number) {
    super(`${run} loss is ${value} at step ${step}`);
  }
}

/**
 * What a run says when a step's loss is not finite: which checkpoint (if any)
 * this run wrote and left intact, and what to try. Other errors pass through.
 */
export function stoppedByLoss(error: unknown, o: { savedStep: number | undefined; checkpoint: string; hint: string }): Error {
  if (!(error instanceof NonFiniteLossError)) return error as Error;
  const intact = o.savedStep === undefined ? 'no checkpoint was written by this run' : `the checkpoint of step ${o.savedStep} (${o.checkpoint}) is intact`;
  return new Error(`${error.message}: stopped; ${intact}; ${o.hint}`);
}

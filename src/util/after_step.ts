/** Called by a training run after every step with what its progress bar shows (a memory watch, a UI); it may be async. */
export type AfterStep = (step: number, detail: string) => void | Promise<void>;

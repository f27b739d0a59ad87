/**
 * Label ids of the synthetic abdominal phantoms (also written as the "labels"
 * of their dataset.json). Left/right are the patient's.
 */
export const phantomClasses = {
  background: 0,
  liver: 1,
  spleen: 2,
  right_kidney: 3,
  left_kidney: 4,
  stomach: 5,
  aorta: 6,
  spine: 7,
} as const;

export type PhantomClassName = keyof typeof phantomClasses;

/** Class names indexed by id. */
export const phantomClassNames = Object.keys(phantomClasses) as PhantomClassName[];

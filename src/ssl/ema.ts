import * as T from '../engine/index.js';
import type { Module } from '../nn/index.js';

/**
 * teacher ← m·teacher + (1−m)·student, for every parameter the teacher
 * shares with the student (by name; the student's mask token has no twin).
 */
export function emaUpdate(teacher: Module, student: Module, momentum: number): void {
  const source = new Map(student.namedParameters());
  T.tidy(() => T.noGrad(() => {
    for (const [name, t] of teacher.namedParameters()) {
      const s = source.get(name);
      if (s === undefined) throw new Error(`EMA: student has no parameter '${name}'`);
      t.mul_(momentum).add_(s.detach(), { alpha: 1 - momentum });
    }
  }));
}

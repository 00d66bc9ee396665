import type { z } from 'zod';

/**
 * One contract entry: the input and output schemas of a call, and a one-line summary shown
 * in docs and errors. Output schemas are zod objects, so keys a handler returns by mistake
 * (a password, a private key) are stripped before anything crosses to the renderer.
 */
export interface CallDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  summary: string;
  input: I;
  output: O;
}

export function call<I extends z.ZodType, O extends z.ZodType>(def: CallDef<I, O>): CallDef<I, O> {
  return def;
}

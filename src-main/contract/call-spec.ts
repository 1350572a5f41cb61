/** The shape of one entry of the contract's call table, shared by every area's table. */
import * as z from 'zod';

/** A call: its input is parsed from `unknown` at every boundary; its output is checked in tests. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One sentence for the CLI's help and for people reading the table. */
  doc: string;
}

/** The input of a call that takes none: `{}`, also when omitted; any key is refused. */
export const Empty = z.object({}).strict().default({});

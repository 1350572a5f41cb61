/**
 * The wire error as zod schemas, for outputs that carry one (`forwards.create`'s `startError`) and
 * for tests that check an error's shape. The types and the checks without zod are in `errors.ts`.
 */
import * as z from 'zod';
import { ERROR_CODES, MAX_ERROR_PATH, type WireError } from './errors.js';

/** {@link ERROR_CODES} as a schema. */
export const ErrorCodeSchema = z.enum(ERROR_CODES);
/** An ErrorPath as a schema. */
export const ErrorPathSchema = z.array(z.union([z.string(), z.number()])).max(MAX_ERROR_PATH);
/** A {@link WireError} as a schema. */
export const WireErrorSchema: z.ZodType<WireError> = z.object({ code: ErrorCodeSchema, message: z.string(), path: ErrorPathSchema.optional() });

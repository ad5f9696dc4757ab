/**
 * The scenario's `compare:` section: the simulated times at which methods are compared.
 *
 *   compare:
 *     at: [30 min, 1 h, 2 h]   # or `auto` (default): a log-spaced grid up to the longest run
 */
import { z } from 'zod';
import { positive } from '../scenario/fields.js';

export const compareSchema = z
  .object({
    at: z.union([z.literal('auto'), z.array(positive('time')).min(1)]).default('auto').describe('Times for at_time.csv and the findings: a list of times, or auto (log-spaced up to the longest run).'),
  })
  .strict();

export type CompareConfig = z.output<typeof compareSchema>;

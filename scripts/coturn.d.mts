// Types of coturn.mjs, for the tests that import it.
import type { StreamingCredentials } from '../generated/types.gen.js';

export interface Coturn {
  port: number;
  username: string;
  password: string;
  realm: string;
  output: string;
  credentials(): StreamingCredentials;
  stop(): Promise<void>;
}
export function startCoturn(): Promise<Coturn>;

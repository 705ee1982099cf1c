// Types of coturn.mjs, for the tests that import it.
export interface Coturn {
  port: number;
  username: string;
  password: string;
  realm: string;
  output: string;
  stop(): Promise<void>;
}
export function startCoturn(): Promise<Coturn>;

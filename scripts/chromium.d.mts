// Types of chromium.mjs, for the tests that import it.
export const CHROMIUM: string;
export const CHROMIUM_ARGS: string[];

// coturn on loopback for the tests: the one launcher in scripts/coturn.mjs, shared with the demo and the benchmark.
export { startCoturn, type Coturn } from '../../scripts/coturn.mjs';

// The typed client SDK generated from openapi.yaml, for callers of the service.
export * from '../generated/index.js';
export { client } from '../generated/client.gen.js';
export { createClient, createConfig, type Client, type Config } from '../generated/client/index.js';
export { iceConfiguration, type IceConfiguration, type IceServer } from './webrtc/ice-configuration.js';

import type { StreamingCredentials } from '../../generated/types.gen.js';

/** The credentials body of the seed's example. */
export const SEED_CREDENTIALS: StreamingCredentials = {
  stunIp: 'stun.example.com',
  stunPort: 3478,
  username: 'user',
  password: 'pass',
  privateSharedPort: 49100,
  turnDetails: {
    username: 'turnuser',
    password: 'turnpass',
    uris: ['turns:1.2.3.4:443?transport=tcp', 'turn:1.2.3.4:3478'],
    relayProtocol: 'TCP',
    transportPolicy: 'ALL',
    relayLocation: 'CSP',
  },
};

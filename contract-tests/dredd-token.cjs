// The access token of the service Dredd runs against (made up for each run).
const { randomBytes } = require('node:crypto');

process.env.CONTRACT_ACCESS_TOKEN ??= randomBytes(24).toString('base64url');
module.exports = { ACCESS_TOKEN: process.env.CONTRACT_ACCESS_TOKEN };

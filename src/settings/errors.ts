// Its own module so the value parsers can throw it without importing load.ts.
export class SettingsError extends Error {
  override name = 'SettingsError';
}

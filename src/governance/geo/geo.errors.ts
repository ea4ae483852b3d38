// Domain errors of the geo module, with stable codes; mapped to HTTP or CLI only at the edge.

export const GEO_ERROR_CODES = ['GEO_DATABASE_UNAVAILABLE', 'TRUSTED_PROXY_INVALID'] as const;
export type GeoErrorCode = (typeof GEO_ERROR_CODES)[number];

export class GeoError extends Error {
  override readonly name = 'GeoError';
  readonly code: GeoErrorCode;

  constructor(code: GeoErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

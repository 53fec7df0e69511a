/**
 * Response headers as the transports hand them on.
 *
 * @module
 */
import type { AxiosResponse } from 'axios';

/**
 * An axios response's headers as a plain record: names in lower case, repeated values joined.
 */
export const lowerCaseHeaders = (headers: AxiosResponse['headers']): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>))
    if (value !== undefined && value !== null)
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  return out;
};

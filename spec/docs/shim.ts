/**
 * `yqcloud-rx` as the doc samples see it when they run: the library itself, with the default
 * `Yqcloud` provider aimed at the test endpoint instead of the real service.
 */
import { YqcloudProvider } from '../../lib/index.js';

export * from '../../lib/index.js';

/** The default provider, aimed at `YQ_ENDPOINT`. */
export const Yqcloud = new YqcloudProvider({ apiEndpoint: process.env.YQ_ENDPOINT });

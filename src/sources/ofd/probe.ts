import { addDays, todayIn } from '../../period.js';
import { failedCheck, type AccessCheck } from '../../probe.js';
import type { Runtime } from '../../runtime.js';
import { OfdClient } from './client.js';

/**
 * check_sources for the legacy Yandex OFD API: yesterday's totals, one request (limit 1). The legacy API
 * has nothing left to probe: its shapes are documented, and new keys are no longer issued.
 */
export async function checkOfdLegacy(runtime: Runtime, signal: AbortSignal): Promise<AccessCheck> {
  const api = 'legacy API (OFD_YANDEX_KEY + OFD_KEY; Yandex no longer issues these keys — OFD_TOKEN is the new API)';
  const day = addDays(todayIn(runtime.config.tz, runtime.now()), -1);
  try {
    const { total } = await OfdClient.for(runtime).totals({ start: `${day}T00:00:00`, end: `${day}T23:59:59`, interval: 'day' }, { signal });
    return { credentials: 'valid', api, message: `keys accepted; yesterday's sales aggregation answered${total === undefined ? '' : ` (${total} interval${total === 1 ? '' : 's'})`}.` };
  } catch (err) {
    return failedCheck(err, api);
  }
}

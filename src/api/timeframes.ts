// The API accepts exactly the timeframes the Polygon client can map to multiplier + timespan, so a
// job never fails later on a label that passed validation.
import { SUPPORTED_TIMEFRAMES, isValidTimeframe } from '../polygon/timeframes.js';

export const TIMEFRAME_HINT = `is not a supported timeframe (<N><unit>, unit one of s m h d w mo q y; e.g. ${SUPPORTED_TIMEFRAMES.join(', ')})`;

export const isSupportedTimeframe = (tf: string): boolean => isValidTimeframe(tf);

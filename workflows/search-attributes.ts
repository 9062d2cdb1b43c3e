import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// The same keys as src/temporal/search-attributes.ts (which registers them on the server); defined
// again here because workflow code may not import from src/ (lint keeps the bundle deterministic).
export const JOB_ID = defineSearchAttributeKey('BackfillJobId', SearchAttributeType.KEYWORD);
export const SYMBOLS_COUNT = defineSearchAttributeKey('BackfillSymbolsCount', SearchAttributeType.INT);
export const JOB_STATUS = defineSearchAttributeKey('BackfillStatus', SearchAttributeType.KEYWORD);

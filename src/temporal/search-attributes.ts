import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Registered on the dev server at start (see dev-server.ts) and by docker-compose's setup step;
// they let users find jobs in the Temporal Web UI by id, size and status.
export const JOB_ID = defineSearchAttributeKey('BackfillJobId', SearchAttributeType.KEYWORD);
export const SYMBOLS_COUNT = defineSearchAttributeKey('BackfillSymbolsCount', SearchAttributeType.INT);
export const JOB_STATUS = defineSearchAttributeKey('BackfillStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_FLAGS: Record<string, 'Keyword' | 'Int'> = {
  BackfillJobId: 'Keyword',
  BackfillSymbolsCount: 'Int',
  BackfillStatus: 'Keyword',
};

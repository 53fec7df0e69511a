import { createMemoryReplyLog } from '../../../lib/server/store/memoryReplyLog.js';
import { replyLogContract } from './replyLog.contract.js';

describe('server/store: the memory reply log', () => {
  replyLogContract(async (options) => createMemoryReplyLog(options));
});

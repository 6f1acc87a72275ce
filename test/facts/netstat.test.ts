import { parseNetstat } from '../../lib/facts/netstat.js';
import { describeParser } from './fixture-cases.js';

describeParser('parseNetstat', 'netstat', parseNetstat);

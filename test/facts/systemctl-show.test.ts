import { parseSystemctlShow } from '../../lib/facts/systemctl-show.js';
import { describeParser } from './fixture-cases.js';

describeParser('parseSystemctlShow', 'systemctl-show', parseSystemctlShow);

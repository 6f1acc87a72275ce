import { parseExposure } from '../../lib/facts/exposure.js';
import { describeParser } from './fixture-cases.js';

describeParser('parseExposure', 'systemd-analyze', parseExposure);

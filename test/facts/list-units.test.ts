import { parseListUnits } from '../../lib/facts/list-units.js';
import { describeParser } from './fixture-cases.js';

describeParser('parseListUnits', 'list-units', parseListUnits);

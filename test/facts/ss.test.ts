import { parseSs } from '../../lib/facts/ss.js';
import { describeParser } from './fixture-cases.js';

describeParser('parseSs', 'ss', parseSs);

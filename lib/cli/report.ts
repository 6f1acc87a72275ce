import { parseArgs } from 'node:util';
import { ExitCode } from '../exit-codes.js';
import { JsonFileView } from '../report/json.js';
import { JunitFileView } from '../report/junit-view.js';
import { joinShardReports, readShardReports } from '../report/merge.js';
import { formatRecap } from '../report/recap.js';
import { broadcast, type View } from '../report/view.js';
import { exitCodeOfPlan, exitCodeOfRun, reportError, usageError } from './exit.js';

const reportUsage = `usage: octoi report merge REPORT.json... [--json FILE] [--junit FILE]

Join the --json reports of every shard of one run (--shard K/N) into the run's: print its recap,
write one JSON and one JUnit report of it, and exit with the code one unsharded run would have had.
Refuses (exit 4) a file that is not an octoi JSON report, reports of different runs, shards that
overlap and a missing shard.

options:
      --json FILE          write the whole run's JSON report to FILE
      --junit FILE         write the whole run's JUnit report to FILE`;

export async function runReportCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'string' }, junit: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      process.stdout.write(`${reportUsage}\n`);
      return ExitCode.ok;
    }
    const [subcommand, ...files] = positionals;
    if (subcommand !== 'merge') throw usageError(subcommand ? `octoi report has no subcommand "${subcommand}"` : 'octoi report takes a subcommand', reportUsage);
    if (files.length === 0) throw usageError('octoi report merge takes the JSON report of every shard', reportUsage);
    const { started, finished } = joinShardReports(await readShardReports(files));
    const views: View[] = [];
    if (values.json) views.push(new JsonFileView(values.json));
    if (values.junit) views.push(new JunitFileView(values.junit));
    const show = broadcast(views);
    show(started);
    show(finished);
    await Promise.all(views.map((view) => view.close()));
    process.stdout.write(`${formatRecap(finished.results, finished.durationMs, finished.interrupted)}\n`);
    return started.command === 'plan' ? exitCodeOfPlan(finished.results, finished.interrupted) : exitCodeOfRun(finished.results, finished.interrupted);
  } catch (error) {
    return reportError(error);
  }
}

#!/usr/bin/env node
// The `cityml` command.
import { Command, CommanderError } from 'commander';
import { registerAdmin } from './commands/admin';
import { registerIngestion } from './commands/ingestion';
import { registerInference } from './commands/inference';
import { registerPreprocessing } from './commands/preprocessing';
import { registerRegistry } from './commands/registry';
import { registerServe } from './commands/serve';
import { registerTraining } from './commands/training';
import { registerUp } from './commands/up';
import { registerSamples } from './commands/samples';
import { registerDemo } from './commands/demo';
import { registerReport } from './commands/report';
import { EXIT, fail } from './output';

const program = new Command('cityml')
  .description('CityML: machine learning as a service for city data')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerUp(program);
registerServe(program);
registerIngestion(program);
registerPreprocessing(program);
registerTraining(program);
registerRegistry(program);
registerInference(program);
registerAdmin(program);
registerSamples(program);
registerDemo(program);
registerReport(program);

// Every command exits 2 on a usage error, including subcommands.
const exitOverride = (cmd: Command) => {
  cmd.exitOverride();
  cmd.commands.forEach(exitOverride);
};
exitOverride(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(EXIT.ok);
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  fail(err);
});

/** Wiring only: settings, logger, the operator, signals. */
import { AppWithHelpersOperator } from './controller/operator';
import { createLogger } from './obs/logger';
import { parseSettings } from './settings';

async function main(): Promise<void> {
  let settings;
  try {
    settings = parseSettings(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`appwithhelpers-operator: ${(err as Error).message}`);
    process.exit(2);
  }
  const log = createLogger(settings.logLevel);
  const operator = new AppWithHelpersOperator(settings, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    await operator.shutdown();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await operator.start();
  } catch (err) {
    console.error(`appwithhelpers-operator: could not start: ${(err as Error).message}`);
    process.exit(1);
  }
}

void main();

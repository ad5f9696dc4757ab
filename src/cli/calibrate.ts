/**
 * `airtune calibrate <scenario>`: fit JCPBA's rounds model R(rhobar) = A / (epsilon - beta rhobar)
 * to rounds to the target test loss of the training proxy at a few uniform pruning rates
 * (src/calibration), print the constants with their fit error, and cache them so that a run with
 * `roundsModel: calibrated` on the same scenario reuses them.
 */
import { loadScenario } from '../scenario/load.js';
import { asInputError, loadClients, proxyLossModel } from '../simulation/scenario.js';
import { stopRulesFor } from '../simulation/stop.js';
import { jcpbaParams, type JcpbaParams } from '../methods/jcpba.js';
import type { MethodEntry } from '../scenario/schema.js';
import { createTrainingEnvironment } from '../training/federated/trainer.js';
import { calibrate, calibrationRates, CalibrationError } from '../calibration/calibrate.js';
import { DEFAULT_CACHE_DIR } from '../calibration/cache.js';
import { formatTable } from '../output/console.js';
import { UsageError } from '../core/errors.js';
import { Progress, progressMode, type Clock, type ProgressStream } from '../progress/progress.js';

export interface CalibrateFlags {
  method?: string;
  rates?: number[];
  maxRounds?: number;
  cacheDir?: string;
  write?: (text: string) => void;
  /** No progress line / heartbeat. */
  quiet?: boolean;
  /** Where progress goes (default stderr) and its clock (tests inject both). */
  progress?: { stream?: ProgressStream; clock?: Clock };
}

function fmt(x: number, digits = 4): string {
  return Number(x.toPrecision(digits)).toString();
}

export async function calibrateCommand(file: string, flags: CalibrateFlags): Promise<void> {
  const write = flags.write ?? ((t: string) => void process.stdout.write(t));
  const loaded = loadScenario(file);
  const s = loaded.scenario;
  if (s.training?.source !== 'proxy') {
    throw new UsageError(`${file}: training: airtune calibrate trains the tfjs proxy, so the scenario needs a training section with source proxy (found ${s.training ? 'a loss trace' : 'none'})`);
  }
  const jcpbas = s.methods.filter((m) => m.id === 'jcpba');
  let entry: MethodEntry;
  if (flags.method !== undefined) {
    const found = jcpbas.find((m) => m.label === flags.method);
    if (!found) throw new UsageError(`--method: no jcpba entry labelled "${flags.method}" (jcpba entries: ${jcpbas.map((m) => m.label).join(', ') || 'none'})`);
    entry = found;
  } else entry = jcpbas[0] ?? { id: 'jcpba', label: 'jcpba', params: jcpbaParams.parse({}) };
  const params = entry.params as JcpbaParams;
  const target = stopRulesFor(s, entry).targetTestLoss;
  if (target === undefined) throw new UsageError(`${file}: stop: airtune calibrate measures rounds to a target test loss: set stop.targetTestLoss (or training.targetTestLoss)`);
  const clients = loadClients(loaded);
  const env = await createTrainingEnvironment(s.training, { seed: s.seed, clients: clients.length, baseDir: loaded.baseDir }).catch((e: unknown) => {
    throw asInputError(loaded, e);
  });
  try {
    const lossModel = proxyLossModel(env);
    const rates = calibrationRates(params, flags.rates);
    write(`${file}: calibrating ${entry.label}'s rounds model R(rhobar) = A / (epsilon - beta rhobar)\n`);
    write(`losses: ${lossModel}; target test loss ${target}; ${params.pruning} pruning; every client, every round; rates ${rates.join(', ')}\n\n`);
    let c;
    const stream = flags.progress?.stream ?? process.stderr;
    const progress = new Progress(`airtune calibrate ${s.name}`, { mode: progressMode(stream, flags.quiet), stream, clock: flags.progress?.clock });
    let rateIndex = 0;
    try {
      c = await calibrate(env, env.clientTokens, lossModel, {
        params,
        targetTestLoss: target,
        rates,
        maxRounds: flags.maxRounds,
        cacheDir: flags.cacheDir ?? DEFAULT_CACHE_DIR,
        onRound: (rho, round, maxRounds) =>
          // Each rate runs at most maxRounds rounds: the fraction is an upper bound on the work left.
          progress.report((rateIndex + round / maxRounds) / rates.length, `rho ${fmt(rho)} round ${round} (rate ${rateIndex + 1}/${rates.length})`),
        onRate: (rho, rounds) => {
          rateIndex++;
          progress.clear();
          write(`  rho ${fmt(rho)}: ${rounds === null ? 'not reached' : `${rounds} rounds`}\n`);
          progress.report(rateIndex / rates.length);
        },
      });
      progress.done(`${rates.length} rates`);
    } catch (e) {
      progress.clear();
      if (e instanceof CalibrationError) throw new UsageError(`${file}: calibration failed: ${e.message}`);
      throw e;
    }
    const f = c.fit;
    const rows = c.rates.map((rho, i) => {
      const r = c.rounds[i];
      const model = f.A / (f.epsilon - f.beta * rho);
      return [fmt(rho), r === null ? `> ${c.maxRounds}` : String(r), fmt(model), r === null ? '(left out)' : fmt(r - model, 3)];
    });
    write(`${c.cached ? '(from the cache: delete it to recalibrate)\n' : ''}\n${formatTable(['rho', 'rounds to target', 'model R(rho)', 'residual'], rows)}\n\n`);
    write(`fit (least squares on R; epsilon = 1 by convention, since R = (A/epsilon) / (1 - (beta/epsilon) rhobar) identifies only A/epsilon and beta/epsilon):\n`);
    write(`  A = ${fmt(f.A, 6)}, epsilon = 1, beta = ${fmt(f.beta, 6)}${f.atBound ? '  (beta at a bound of [0, 1/max rho): the data do not pin it down)' : ''}\n`);
    write(
      `  fit error: RMS ${fmt(f.rmsErrorRounds, 3)} rounds (${fmt(100 * f.relativeRmsError, 3)}% of mean R), max |residual| ${fmt(f.maxErrorRounds, 3)} rounds, ${f.points} rates, 2 parameters` +
        `${f.points === 2 ? ' (2 rates for 2 parameters: no degrees of freedom left to estimate the error)' : ''}\n\n`,
    );
    write(`use it: { id: jcpba, roundsModel: { A: ${fmt(f.A, 6)}, epsilon: 1, beta: ${fmt(f.beta, 6)} } }, or roundsModel: calibrated (reuses this calibration: same scenario, rates and cap)\n`);
  } finally {
    await env.close();
  }
}
